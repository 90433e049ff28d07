"""What a format's `load` gets: the files of one version, verified before the library sees a
byte of them (`Storage.local_copy` yields one).

Two ways in, one per kind of library:

- `read(path)`: the file's bytes, read once, hashed and checked, and handed over as they are.
  For libraries that parse bytes or a file object (ONNX, TorchScript, LightGBM, XGBoost,
  CatBoost, skops). Nothing is read twice, and the file on disk can be replaced after the
  check without the library ever seeing the replacement.
- `path(path)`: for a library that opens one file by path only (TorchScript: its reader of a
  buffer copies the bytes three times, 10x slower than from a file): the file is hashed
  first, and on Linux the path is `/proc/self/fd/<n>` of the very file that was hashed, held
  open until the load ends, so a file replaced on disk afterwards (a rename over it) is not
  what the library opens. It reads the file a second time (from the page cache).
- `directory`: a local path whose files were all verified first. For libraries that insist on
  a path (a Keras archive, a TF SavedModel, torch.export's pt2, a quantized CatBoost pool, ONNX
  with external data): verify, then the library opens the files by path. A file replaced in
  between (by someone who may write into the store) would be read unverified; such a library
  leaves no other way.

Every listed file is verified during the load either way: one that the format did not read is
hashed when the load ends (`finish`).
"""

from __future__ import annotations

import os
from typing import BinaryIO, Protocol

from .. import faults
from ..manifest import FileEntry, ModelInfo
from ..protocol import INTEGRITY, ModelStoreError
from .checking import check_listing, open_verified, read_verified, verify_file
from .files import Counter
from .layout import Progress
from .safe import Dir


class VersionFiles(Protocol):
    """The files of a version, for a format's `load`."""

    @property
    def directory(self) -> str:
        """A local directory holding the version's files, every one of them verified."""

    def read(self, path: str) -> bytes:
        """The bytes of the listed file `path` (relative POSIX path), verified."""

    def path(self, path: str) -> str:
        """A local path to the listed file `path`, verified, for a library that opens it."""

    # The OSError a `read` raised, if any: a failure of the store, not of the library.
    read_error: OSError | None


PROC_FD = "/proc/self/fd"  # Linux: a path that opens an open file again, not a name


class LocalFiles:
    """A version of a local store, opened without following links: its listing is checked
    when this is made (exactly its files, of their sizes), each file's digest when it is
    read, or all of them when `directory` is asked for."""

    def __init__(self, version: Dir, info: ModelInfo, progress: Progress | None) -> None:
        check_listing(version, info)
        self._version, self._info = version, info
        self._entries = {entry["path"]: entry for entry in info.files}
        self._unverified = dict(self._entries)
        self._counter = Counter(info.size_bytes, progress)
        self.read_error: OSError | None = None
        self._open: list[BinaryIO] = []

    @property
    def directory(self) -> str:
        if self._unverified:
            self._verify_rest()
            faults.point("verified")
        return self._version.path

    def read(self, path: str) -> bytes:
        entry = self._entry(path)
        try:
            data = read_verified(self._version, self._info, entry, self._counter)
        except OSError as exc:
            self.read_error = exc
            raise
        self._unverified.pop(path, None)
        return data

    def path(self, path: str) -> str:
        entry = self._entry(path)
        try:
            f = open_verified(self._version, self._info, entry, self._counter)
        except OSError as exc:
            self.read_error = exc
            raise
        self._open.append(f)
        self._unverified.pop(path, None)
        faults.point("verified")
        if os.path.isdir(PROC_FD):
            return f"{PROC_FD}/{f.fileno()}"
        return os.path.join(self._version.path, *path.split("/"))

    def finish(self) -> None:
        """Verify what the load did not read, so that a load still fails on any damaged file
        of its version."""
        self._verify_rest()

    def close(self) -> None:
        """Close the files `path` keeps open."""
        while self._open:
            self._open.pop().close()

    def __enter__(self) -> LocalFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _verify_rest(self) -> None:
        for path, entry in list(self._unverified.items()):
            verify_file(self._version, self._info, entry, self._counter)
            del self._unverified[path]

    def _entry(self, path: str) -> FileEntry:
        try:
            return self._entries[path]
        except KeyError:
            raise _unlisted(self._info, path) from None


class DownloadedFiles:
    """A version downloaded into a private local directory, each file hashed and checked
    while it streamed in (remote.py); `read` reads a downloaded file back."""

    def __init__(self, directory: str, info: ModelInfo) -> None:
        self.directory = directory
        self._info = info
        self._listed = {entry["path"] for entry in info.files}
        self.read_error: OSError | None = None

    def read(self, path: str) -> bytes:
        if path not in self._listed:
            raise _unlisted(self._info, path)
        try:
            with open(os.path.join(self.directory, *path.split("/")), "rb") as f:
                return f.read()
        except OSError as exc:
            self.read_error = exc
            raise

    def path(self, path: str) -> str:
        if path not in self._listed:
            raise _unlisted(self._info, path)
        return os.path.join(self.directory, *path.split("/"))

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass


def _unlisted(info: ModelInfo, path: str) -> ModelStoreError:
    return ModelStoreError(
        INTEGRITY,
        f"model {info.name!r} version {info.version}: its format reads {path!r}, which the "
        "manifest does not list",
    )
