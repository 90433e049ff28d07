"""Locks, and directories locked while a save or a load uses them.

A lock is an exclusive `flock` on a regular file that the store opens relative to its own
directory, without following a link (safe.py): a lock file planted as a link to a file
outside the store is refused, never created, truncated or locked. Windows, which has no flock,
uses filelock.
"""

from __future__ import annotations

import os
import stat
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from ..protocol import ModelStoreError
from .safe import FD_BASED, Dir

LOCK_TIMEOUT = 120  # seconds; a save holds the per-name lock only to number and rename
_POLL = 0.02  # seconds between tries of a lock another process holds


class LockTimeout(TimeoutError):
    """A lock stayed taken for longer than the time allowed."""


class DirLock:
    """An exclusive lock on the file `name` in `directory` (made if missing)."""

    def __init__(self, directory: Dir, name: str) -> None:
        self.directory, self.name = directory, name
        self._fd: int | None = None
        self._fallback = None

    def acquire(self, timeout: float = LOCK_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        if not FD_BASED:
            from filelock import FileLock, Timeout

            self._fallback = FileLock(self.directory.join(self.name))
            try:
                self._fallback.acquire(timeout=timeout)
            except Timeout:
                raise LockTimeout(f"{self.directory.join(self.name)} is locked") from None
            return
        import fcntl

        while True:
            fd = self.directory.open_file(self.name, os.O_RDONLY, create=True)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"{self.directory.join(self.name)} is locked") from None
                time.sleep(_POLL)
                continue
            if self._still_named(fd):
                self._fd = fd
                return
            os.close(fd)  # unlinked (by gc) between the open and the flock: take the new one

    def _still_named(self, fd: int) -> bool:
        try:
            named = self.directory.lstat(self.name)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return stat.S_ISREG(named.st_mode) and (named.st_dev, named.st_ino) == (
            held.st_dev,
            held.st_ino,
        )

    def release(self) -> None:
        if self._fallback is not None:
            self._fallback.release()
            self._fallback = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor releases the flock

    def __enter__(self) -> DirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def locked_dir(parent: Dir) -> Iterator[Dir]:
    """A new directory `<parent>/<uuid>`, locked by `<parent>/<uuid>.lock` while in use, so
    that `gc_locked_dirs` leaves it alone; removed at the end (a save renames it away first)."""
    unique = uuid.uuid4().hex
    lock = DirLock(parent, unique + ".lock")
    lock.acquire()  # only `gc --older-than 0` could hold it a moment
    try:
        parent.mkdir(unique)
        try:
            with parent.sub(unique) as directory:
                yield directory
        finally:
            parent.remove_tree(unique)
    finally:
        lock.release()
        _unlink_quietly(parent, unique + ".lock")


def gc_locked_dirs(parent: Dir, older_than: float) -> list[str]:
    """Remove the directories of `locked_dir` in `parent` that are older than `older_than`
    seconds and not locked (their process is gone), and stray lock files and other entries
    (links included, removed themselves); returns the names of the directories removed. One
    this user may not empty (in a team store, a sub-directory another member's library made
    with that member's umask) is left for a later gc, and not named."""
    removed = []
    cutoff = time.time() - older_than
    try:
        entries = sorted(parent.names())
    except (FileNotFoundError, NotADirectoryError):
        return []
    present = set(entries)
    for entry in entries:
        unique = entry[: -len(".lock")] if entry.endswith(".lock") else entry
        if entry.endswith(".lock") and unique in present:
            continue  # handled with its directory
        try:
            st = parent.lstat(entry)
        except FileNotFoundError:
            continue  # published or removed meanwhile
        if st.st_mtime > cutoff:
            continue
        lock = DirLock(parent, unique + ".lock")
        try:
            lock.acquire(timeout=0)
        except LockTimeout:
            continue  # still in use
        except (OSError, ModelStoreError):
            lock = None  # a lock file that is not ours (a link, a FIFO): removed below
        try:
            if unique in present and parent.remove_tree(unique):
                removed.append(unique)
        finally:
            if lock is not None:
                lock.release()
            _unlink_quietly(parent, unique + ".lock")
    return removed


# Where saves to and loads from a remote store stage their files on this machine: a new
# directory of its own per operation, made by mkdtemp (mode 0700, a name no one can guess),
# never a predictable path in a shared temp directory that another user could have made.
SCRATCH_PREFIX = "jupyterlab-models-scratch-"
_IN_USE = "in-use.lock"


@contextmanager
def private_scratch() -> Iterator[str]:
    """A new private directory for one remote save or load, locked while in use (so that
    `gc_private_scratch` of another process leaves it alone) and removed at the end."""
    import tempfile

    top = tempfile.mkdtemp(prefix=SCRATCH_PREFIX)
    try:
        with Dir.open_root(top) as directory, DirLock(directory, _IN_USE):
            directory.mkdir("files")
            yield directory.join("files")
    finally:
        with Dir.open_root(os.path.dirname(top)) as parent:
            parent.remove_tree(os.path.basename(top))


def gc_private_scratch(older_than: float) -> list[str]:
    """Remove this user's scratch directories of remote saves and loads that died (older
    than `older_than` seconds and not in use); returns their paths."""
    import tempfile

    removed = []
    cutoff = time.time() - older_than
    uid = os.getuid() if hasattr(os, "getuid") else None
    with Dir.open_root(tempfile.gettempdir()) as parent:
        for name in sorted(parent.names()):
            if not name.startswith(SCRATCH_PREFIX):
                continue
            try:
                st = parent.lstat(name)
                if not stat.S_ISDIR(st.st_mode) or st.st_mtime > cutoff:
                    continue
                if uid is not None and st.st_uid != uid:
                    continue  # another user's: not ours to judge
                with parent.sub(name) as directory:
                    lock = DirLock(directory, _IN_USE)
                    lock.acquire(timeout=0)
                    lock.release()
            except (OSError, ModelStoreError):
                continue  # in use, gone meanwhile, or not a scratch directory of ours
            parent.remove_tree(name)
            removed.append(parent.join(name))
    return removed


def _unlink_quietly(directory: Dir, name: str) -> None:
    try:
        directory.unlink(name)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        pass
