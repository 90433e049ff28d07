"""Working in a directory that other people (or a git checkout) may have filled: no symbolic
link is followed, no FIFO, socket or device is opened, nothing is removed through a link.

A `Dir` is a directory opened once; every name below it is resolved relative to its file
descriptor (`dir_fd`), one component at a time, with `O_NOFOLLOW`, so that a path checked is
the path used. Where directories cannot be opened (Windows), the same calls work on paths
and check each component with `lstat` first, which leaves a window a local attacker could
race; the store is meant for POSIX systems first.

Modes: a store shared by a team is a directory its group can write (often setgid). What the
store creates below it gets the group's permissions of the store's directory on top of the
umask's (as git's `core.sharedRepository=group` does), so that every member can save, load,
delete and clean up; a private store stays private.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from ..protocol import INTEGRITY, ModelStoreError

FD_BASED = os.name != "nt" and os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def _not_ours(path: str, what: str, expected: str) -> ModelStoreError:
    return ModelStoreError(
        INTEGRITY,
        f"{path} is {what}, where the store expects a {expected} of its own: the store "
        "follows no link and opens no special file; remove or rename it",
    )


def describe(mode: int) -> str:
    """What kind of entry a stat's mode says, for messages."""
    for test, what in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return what
    return "an unknown kind of file"


class Modes:
    """The modes of what the store creates: the umask's, plus the group's permissions of the
    store's directory."""

    def __init__(self, root_mode: int | None = None) -> None:
        umask = os.umask(0o022)
        os.umask(umask)
        group = (root_mode & 0o070) if root_mode is not None else 0
        self.directory = (0o777 & ~umask) | group
        self.file = (0o666 & ~umask) | (group & 0o060)
        self.shared = bool(group & 0o020)


class Dir:
    """A directory of the store, opened without following a link (see the module docstring).
    Use it as a context manager, or `close()` it."""

    def __init__(self, path: str, fd: int | None, modes: Modes) -> None:
        self.path, self.fd, self.modes = path, fd, modes

    @classmethod
    def open_root(cls, path: str) -> Dir:
        """The store's own directory, which the user chose: a link to it is followed."""
        fd = os.open(path, os.O_RDONLY | _DIRECTORY | _CLOEXEC) if FD_BASED else None
        mode = os.fstat(fd).st_mode if fd is not None else os.stat(path).st_mode
        if not stat.S_ISDIR(mode):
            if fd is not None:
                os.close(fd)
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", path)
        return cls(path, fd, Modes(mode))

    def __enter__(self) -> Dir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def join(self, name: str) -> str:
        return os.path.join(self.path, name)

    def _at(self, name: str) -> tuple[str, int | None]:
        """`name` as os functions take it: relative to the fd, or a whole path."""
        return (name, self.fd) if self.fd is not None else (self.join(name), None)

    def lstat(self, name: str) -> os.stat_result:
        path, fd = self._at(name)
        return os.stat(path, dir_fd=fd, follow_symlinks=False)

    # directories

    def sub(self, name: str, expected: str = "directory") -> Dir:
        """The directory `name` below this one; integrity if it is a link or not
        a directory, FileNotFoundError if there is none."""
        path, fd = self._at(name)
        if self.fd is not None:
            try:
                child = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _not_ours(self.join(name), self._what(name), expected) from None
                raise
            return Dir(self.join(name), child, self.modes)
        st = self.lstat(name)
        if not stat.S_ISDIR(st.st_mode):
            raise _not_ours(self.join(name), describe(st.st_mode), expected)
        return Dir(self.join(name), None, self.modes)

    def _what(self, name: str) -> str:
        try:
            return describe(self.lstat(name).st_mode)
        except OSError:
            return "not a directory"

    def mkdir(self, name: str) -> None:
        """A new directory `name` (FileExistsError if anything has that name), with the
        store's directory mode."""
        path, fd = self._at(name)
        os.mkdir(path, self.modes.directory, dir_fd=fd)
        self._chmod(name, self.modes.directory)

    def own_sub(self, name: str) -> Dir:
        """The store's bookkeeping directory `name` (.staging, .locks, .trash), made if
        missing; integrity if something else has that name."""
        try:
            self.mkdir(name)
        except FileExistsError:
            pass
        return self.sub(name, "bookkeeping directory")

    def _chmod(self, name: str, mode: int) -> None:
        # The umask took the group's bits off; a shared store wants them. A file system that
        # does not keep modes (some network mounts) is left as it is.
        if self.modes.shared:
            path, fd = self._at(name)
            try:
                os.chmod(path, mode, dir_fd=fd, follow_symlinks=False)
            except (NotImplementedError, OSError):
                pass

    def entries(self) -> list[os.DirEntry[str]]:
        """The entries of this directory (their `is_dir`/`is_file` must be asked with
        `follow_symlinks=False`)."""
        with os.scandir(self.fd if self.fd is not None else self.path) as found:
            return list(found)

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries()]

    # files

    def open_file(self, name: str, flags: int = os.O_RDONLY, create: bool = False) -> int:
        """A file descriptor of the regular file `name`, opened without following a link and
        without blocking on a FIFO; integrity for anything but a regular file."""
        path, fd = self._at(name)
        flags |= _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY
        if create:
            flags |= os.O_CREAT
        try:
            opened = os.open(path, flags, self.modes.file, dir_fd=fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                raise _not_ours(self.join(name), self._what(name), "regular file") from None
            raise
        mode = os.fstat(opened).st_mode
        if not stat.S_ISREG(mode):
            os.close(opened)
            raise _not_ours(self.join(name), describe(mode), "regular file")
        if create and self.modes.shared:
            try:
                os.fchmod(opened, self.modes.file)
            except OSError:
                pass
        return opened

    @contextmanager
    def opened(self, name: str) -> Iterator[BinaryIO]:
        """The regular file `name`, open for reading (see `open_file`)."""
        with os.fdopen(self.open_file(name), "rb") as f:
            yield f

    def read(self, name: str, limit: int) -> bytes:
        """The bytes of the regular file `name`; ValueError past `limit` bytes."""
        with self.opened(name) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"{self.join(name)} is over {limit} bytes")
        return data

    def create(self, name: str) -> BinaryIO:
        """A new regular file `name` (FileExistsError if anything has that name)."""
        return os.fdopen(self.open_file(name, os.O_WRONLY | os.O_EXCL, create=True), "wb")

    # changing

    def rename(self, name: str, target: Dir, target_name: str) -> None:
        """Rename the entry `name` to `target_name` in `target` (an atomic rename of the
        entry itself: a link is moved, never followed)."""
        source, source_fd = self._at(name)
        dest, dest_fd = target._at(target_name)
        os.rename(source, dest, src_dir_fd=source_fd, dst_dir_fd=dest_fd)

    def unlink(self, name: str) -> None:
        path, fd = self._at(name)
        os.unlink(path, dir_fd=fd)

    def rmdir(self, name: str) -> None:
        path, fd = self._at(name)
        os.rmdir(path, dir_fd=fd)

    def remove_tree(self, name: str) -> None:
        """Remove `name` and, if it is a directory, everything below it, without following
        any link (a link is removed itself, never what it points to). Errors are ignored:
        what is left is removed by a later gc."""
        try:
            st = self.lstat(name)
        except OSError:
            return
        if not stat.S_ISDIR(st.st_mode):
            try:
                self.unlink(name)
            except OSError:
                pass
            return
        try:
            with self.sub(name) as child:
                for entry in child.entries():
                    child.remove_tree(entry.name)
        except (OSError, ModelStoreError):
            return
        try:
            self.rmdir(name)
        except OSError:
            pass

    def fsync(self) -> None:
        """Make this directory's entries durable (not on Windows, where directories cannot
        be opened)."""
        if self.fd is not None:
            os.fsync(self.fd)
