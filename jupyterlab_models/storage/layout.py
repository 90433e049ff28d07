"""The names a store gives its entries, and the rules for reading its versions that every
storage shares.

    <store>/<name>/<version>/manifest.json   the ModelInfo, written last
    <store>/<name>/<version>/<files>         written by the format (e.g. model.txt)
    <store>/.staging/<uuid>/                 a save in progress, invisible to readers
    <store>/.staging/<uuid>.lock             held while that save runs (gc skips it)
    <store>/.locks/<name in lower case>.lock per-name lock (filelock)
    <store>/.trash/<uuid>/                   a delete in progress
    <store>/<name>/<version>/.claim          object stores only: who took this number, when
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Callable, Union

from ..manifest import FileEntry, ModelInfo, parse_manifest
from ..protocol import ModelStoreError

MANIFEST = "manifest.json"
CLAIM = ".claim"
RESERVED = (MANIFEST, CLAIM)  # file names a format must not write
STAGING, LOCKS, TRASH = ".staging", ".locks", ".trash"

Progress = Callable[[int, int], None]
MakeInfo = Callable[[int, "list[FileEntry]"], ModelInfo]
# (name, version) -> manifest bytes, None when there is none, or the error reading it
Manifests = dict[tuple[str, int], Union[bytes, None, Exception]]
ReadManifests = Callable[[Iterable[tuple[str, int]]], Manifests]


def version_number(entry: str) -> int | None:
    """The version a directory name stands for: canonical positive integers only."""
    if entry.isdigit() and entry.isascii() and str(int(entry)) == entry != "0":
        return int(entry)
    return None


def latest_of(
    scanned: dict[str, list[int]],
    read_manifests: ReadManifests,
    manifest_path: Callable[[str, int], str],
) -> dict[str, tuple[ModelInfo, int]]:
    """{name: (latest valid version, number of versions)} of the names in `scanned`
    ({name: its version numbers}); a damaged newest version falls back to the one before it,
    and names without any valid version are left out."""
    pending = {name: sorted(versions, reverse=True) for name, versions in scanned.items()}
    found: dict[str, ModelInfo] = {}
    while pending:  # a round per fallback to an older version; usually just one
        wanted = [(name, versions[0]) for name, versions in pending.items() if versions]
        manifests = read_manifests(wanted)
        following = {}
        for name, version in wanted:
            info = valid_or_none(name, version, manifests.get((name, version)), manifest_path)
            if info is not None:
                found[name] = info
            elif len(pending[name]) > 1:
                following[name] = pending[name][1:]
        pending = following
    return {name: (info, len(scanned[name])) for name, info in found.items()}


def valid_or_none(
    name: str,
    version: int,
    data: bytes | Exception | None,
    manifest_path: Callable[[str, int], str],
) -> ModelInfo | None:
    """The manifest of a version if it is there and valid, else None (listings skip it)."""
    if data is None:
        return None
    try:
        return parse_manifest(name, version, data, manifest_path(name, version))
    except ModelStoreError:
        return None
