"""Where the bytes of a model store live: a local directory (local.py), or any fsspec file
system (remote.py). `ModelStore` (store.py) holds the rules (names, versions, formats); a
storage holds the bytes and the protocol that makes a version appear whole or not at all.

Formats always write to and read from a local directory: the remote storage stages in a
local temporary directory and downloads into one to load. Both hash while reading or
uploading, in one streamed pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Callable, Protocol

from ..manifest import ModelInfo
from ..protocol import ModelStoreError
from .files import Staged
from .layout import Listing, MakeInfo, Manifests, Progress
from .local import LocalStorage
from .verified import VersionFiles


class Storage(Protocol):
    """What `ModelStore` needs of a storage."""

    location: str  # the path or URL, shown in messages and the panel

    def error(self, exc: BaseException, writing: bool) -> ModelStoreError | None:
        """`exc` as a ModelStoreError if it is a failure of the storage (disk, network), with
        what it means for the user (`writing`: in an operation that changes the store); None
        for any other exception."""

    def names(self) -> list[str]:
        """Names of the stored models (and of saves not yet published)."""

    def version_numbers(self, name: str) -> list[int]:
        """Version numbers of `name`, with or without a valid manifest."""

    def latest(self) -> Listing:
        """(latest valid version, number of versions) of each model, sorted by name, and the
        entries left out."""

    def read_manifests(self, wanted: Iterable[tuple[str, int]]) -> Manifests:
        """The manifest bytes of each (name, version) wanted (None if missing)."""

    def manifest_path(self, name: str, version: int) -> str:
        """Where a manifest lives, for messages."""

    def local_copy(
        self, info: ModelInfo, progress: Progress | None
    ) -> AbstractContextManager[VersionFiles]:
        """The version's files for a format's load (verified.py): each verified against
        `info` before a library parses it."""

    def verify(self, info: ModelInfo, progress: Progress | None = None) -> None:
        """Check every file of a version against its manifest; raises `integrity`."""

    def staging(self) -> AbstractContextManager[Staged]:
        """A new local directory (and writer) for a format to write a save into."""

    def publish(
        self,
        staged: Staged,
        name: str,
        make_info: MakeInfo,
        progress: Progress | None,
        check_name: Callable[[str], None],
    ) -> ModelInfo:
        """Make what `staged` holds the next version of `name`, whole or not at all;
        `make_info(version, files)` gives its manifest, `check_name` is called again once
        no other save of `name` can run."""

    def delete(self, name: str, version: int | None) -> list[int]:
        """Remove one version or the whole model; returns the versions removed."""

    def gc(self, older_than: float) -> list[str]:
        """Remove what interrupted saves and deletes left behind."""


def is_url(location: str) -> bool:
    """`scheme://...` or an fsspec chain (`simplecache::s3://...`); not `C:\\...`."""
    return "::" in location or re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", location) is not None


def open_storage(location: str) -> Storage:
    """The storage of an absolute path or a URL (see location.py)."""
    if is_url(location):
        from .remote import RemoteStorage  # fsspec stores: loaded only when used

        return RemoteStorage(location)
    return LocalStorage(location)
