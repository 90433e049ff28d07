"""The names a store gives its entries, and the rules for reading its versions that every
storage shares.

    <store>/<name>/<version>/manifest.json   the ModelInfo, written last
    <store>/<name>/<version>/<files>         written by the format (e.g. model.txt)
    <store>/.staging/<uuid>/                 a save in progress, invisible to readers
    <store>/.staging/<uuid>.lock             held while that save runs (gc skips it)
    <store>/.locks/<name in lower case>.lock per-name lock (filelock)
    <store>/.trash/<uuid>/                   a delete in progress
    <store>/.numbers/<name>                  the highest version number ever given to it
                                             (object stores: empty objects .numbers/<name>/<n>)
    <store>/<name>/<version>/.claim          object stores only: who took this number, when
    <store>/<name>/<version>/<token>/<files> object stores: a save's files, under its token
                                             (see claims.py; before tokens, as locally)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from ..manifest import FileEntry, ModelInfo, parse_manifest
from ..protocol import INTEGRITY, ModelStoreError

MANIFEST = "manifest.json"
CLAIM = ".claim"
RESERVED = (MANIFEST, CLAIM)  # file names a format must not write
STAGING, LOCKS, TRASH, NUMBERS = ".staging", ".locks", ".trash", ".numbers"

Progress = Callable[[int, int], None]
MakeInfo = Callable[[int, "list[FileEntry]"], ModelInfo]
# (name, version) -> manifest bytes, None when there is none, or the error reading it
Manifests = dict[tuple[str, int], Union[bytes, None, Exception]]
ReadManifests = Callable[[Iterable[tuple[str, int]]], Manifests]


# Versions stay below 2**53, so that JSON readers that use doubles (the panel) read them exactly.
MAX_VERSION = 2**53 - 1


def version_number(entry: str) -> int | None:
    """The version a directory name stands for: canonical positive integers only."""
    if entry.isdigit() and entry.isascii() and str(int(entry)) == entry != "0":
        number = int(entry)
        return number if number <= MAX_VERSION else None
    return None


@dataclass(frozen=True)
class Skipped:
    """An entry of the store that a listing left out, and why (a damaged manifest, a link,
    a directory that cannot be read); `version` is None for the whole name."""

    name: str
    version: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "reason": self.reason}


@dataclass(frozen=True)
class Listing:
    """(latest valid version, number of versions) of each model, sorted by name, and the
    entries left out."""

    models: list[tuple[ModelInfo, int]]
    skipped: list[Skipped] = field(default_factory=list)


def latest_of(
    scanned: dict[str, list[int]],
    read_manifests: ReadManifests,
    manifest_path: Callable[[str, int], str],
    skipped: list[Skipped],
) -> dict[str, tuple[ModelInfo, int]]:
    """{name: (latest valid version, number of versions)} of the names in `scanned`
    ({name: its version numbers}); a damaged newest version falls back to the one before it,
    and names without any valid version are left out. What was left out, and why, is added
    to `skipped`."""
    pending = {name: sorted(versions, reverse=True) for name, versions in scanned.items()}
    found: dict[str, ModelInfo] = {}
    while pending:  # a round per fallback to an older version; usually just one
        wanted = [(name, versions[0]) for name, versions in pending.items() if versions]
        manifests = read_manifests(wanted)
        following = {}
        for name, version in wanted:
            try:
                found[name] = read_manifest(
                    name, version, manifests.get((name, version)), manifest_path
                )
            except ModelStoreError as exc:
                skipped.append(Skipped(name, version, exc.message))
                if len(pending[name]) > 1:
                    following[name] = pending[name][1:]
        pending = following
    return {name: (info, len(scanned[name])) for name, info in found.items()}


def read_manifest(
    name: str,
    version: int,
    data: bytes | Exception | None,
    manifest_path: Callable[[str, int], str],
) -> ModelInfo:
    """The manifest of a version; `integrity` if it is missing, unreadable or invalid."""
    if data is None:
        raise ModelStoreError(INTEGRITY, f"{manifest_path(name, version)} is missing")
    if isinstance(data, ModelStoreError):
        raise data
    return parse_manifest(name, version, data, manifest_path(name, version))


def valid_or_none(
    name: str,
    version: int,
    data: bytes | Exception | None,
    manifest_path: Callable[[str, int], str],
) -> ModelInfo | None:
    """The manifest of a version if it is there and valid, else None."""
    try:
        return read_manifest(name, version, data, manifest_path)
    except ModelStoreError:
        return None
