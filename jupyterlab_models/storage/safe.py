"""Working in a directory that other people (or a git checkout) may have filled: no symbolic
link is followed, no FIFO, socket or device is opened, nothing is removed through a link.

A `Dir` is a directory opened once; every name below it is resolved relative to its file
descriptor (`dir_fd`), one component at a time, with `O_NOFOLLOW`, so that a path checked is
the path used. Where directories cannot be opened (Windows), the same calls work on paths
and check each component with `lstat` first, which leaves a window a local attacker could
race; the store is meant for POSIX systems first.

Modes: a store shared by a team is a directory its group can write, setgid so that what is
made below it belongs to that group. What the store creates below it gets the group's
permissions of the store's directory on top of the umask's, and its directories keep the
setgid bit (as git's `core.sharedRepository=group` does); what a library wrote into a save's
directory is given the same before the save is published (`Dir.share`). So every member can
save, load, delete and clean up; a private store stays private. See docs/STORE.md, "A store
shared by a team".
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
    store's directory; directories keep its setgid bit. `shared` (the group may write the
    store's directory; never on Windows, which has no such modes) says whether they must be
    set: the umask alone would take the group's bits off."""

    def __init__(self, root_mode: int | None = None) -> None:
        umask = os.umask(0o022)
        os.umask(umask)
        group = (root_mode & 0o070) if root_mode is not None else 0
        setgid = (root_mode & stat.S_ISGID) if root_mode is not None else 0
        self.directory = (0o777 & ~umask) | group | setgid
        self.file = (0o666 & ~umask) | (group & 0o060)
        self.readable = group & 0o040  # added to the files a library wrote
        self.shared = bool(group & 0o020) and os.name != "nt"


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
        if self.modes.shared:
            self._chmod(name, directory=True)

    def own_sub(self, name: str) -> Dir:
        """The store's bookkeeping directory `name` (.staging, .locks, .trash), made if
        missing; integrity if something else has that name."""
        try:
            self.mkdir(name)
        except FileExistsError:
            pass
        return self.sub(name, "bookkeeping directory")

    def _chmod(self, name: str, directory: bool) -> None:
        """Give the entry `name`, a directory or a regular file of this process's, the modes
        of a shared store: the umask took the group's bits off. It is changed through a
        descriptor opened without following a link; anything else is left as it is, and so
        is a file system that does not keep modes (some network mounts)."""
        path, fd = self._at(name)
        flags = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | (_DIRECTORY if directory else 0)
        try:
            opened = os.open(path, flags, dir_fd=fd)
        except OSError:
            return
        try:
            _fix_mode(opened, self.modes, directory)
        finally:
            os.close(opened)

    def share(self) -> None:
        """Give everything below this directory that this process made (what a library wrote
        into a save's directory, with the umask's modes) the modes of a shared store: each
        directory the store's (group-writable, so that a member can delete what is in it),
        each file readable by the group. Links and special files are left as they are (a
        version refuses them anyway); nothing if the store is not shared."""
        if not self.modes.shared:
            return
        for entry in self.entries():
            if entry.is_dir(follow_symlinks=False):
                self._chmod(entry.name, directory=True)
                with self.sub(entry.name) as child:
                    child.share()
            elif entry.is_file(follow_symlinks=False):
                self._chmod(entry.name, directory=False)

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
            _fix_mode(opened, self.modes, directory=False, store_file=True)
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

    def remove_tree(self, name: str) -> bool:
        """Remove `name` and, if it is a directory, everything below it, without following
        any link (a link is removed itself, never what it points to); whether it is gone.
        Errors are ignored: what is left (e.g. where this user may not delete) is removed by
        a later gc."""
        try:
            st = self.lstat(name)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        if stat.S_ISDIR(st.st_mode):
            try:
                with self.sub(name) as child:
                    for entry in child.entries():
                        child.remove_tree(entry.name)
            except (OSError, ModelStoreError):
                return False
        try:
            (self.rmdir if stat.S_ISDIR(st.st_mode) else self.unlink)(name)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True

    def fsync(self) -> None:
        """Make this directory's entries durable (not on Windows, where directories cannot
        be opened)."""
        if self.fd is not None:
            os.fsync(self.fd)


def _fix_mode(fd: int, modes: Modes, directory: bool, store_file: bool = False) -> None:
    """The mode of a shared store for the open entry `fd`: a directory the store's; a file
    the store's own (a lock, a manifest) the store's file mode, one a library wrote its mode
    plus the group's read. Only if it differs and the entry is this user's (a chmod changes
    its ctime, and only the owner may)."""
    st = os.fstat(fd)
    if directory != stat.S_ISDIR(st.st_mode) or not (directory or stat.S_ISREG(st.st_mode)):
        return
    current = stat.S_IMODE(st.st_mode)
    if directory:
        wanted = modes.directory
    else:
        wanted = modes.file if store_file else current | modes.readable
    if wanted != current and st.st_uid == os.geteuid():
        try:
            os.fchmod(fd, wanted)
        except OSError:
            pass
