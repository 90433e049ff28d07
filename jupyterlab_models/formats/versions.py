"""Installed versions of the libraries a model needs, and how they compare with the ones it
was saved with."""

from __future__ import annotations

import os
import sys

from ..manifest import ModelInfo
from ..storage.stamps import Stamp, path_stamp
from .base import Format


def version_warnings(info: ModelInfo, fmt: Format) -> list[str]:
    """Warnings when the installed library is older than, or of another major version
    than, the one that saved the model (the rule of tests/fixtures/versions.json)."""
    installed = fmt.library_versions()
    notes = []
    for dist, saved in info.library_versions.items():
        current = installed.get(dist)
        if current is None or current == saved:
            continue
        kind = version_change(saved, current)
        if kind == "major":
            notes.append(
                f"{dist} {saved} saved this model but {current} is installed (another major "
                "version): it may not load or predict the same"
            )
        elif kind == "older":
            notes.append(
                f"{dist} {saved} saved this model but the older {current} is installed: "
                f"upgrade with pip install -U {dist} if it misbehaves"
            )
    return notes


def version_change(saved: str, installed: str) -> str | None:
    """ "major" (another major version, or a version PEP 440 cannot read), "older" (the
    installed one is older) or None, compared as pip compares versions (packaging)."""
    from packaging.version import InvalidVersion, Version

    try:
        was, now = Version(saved), Version(installed)
    except InvalidVersion:
        return None if saved == installed else "major"
    if (was.epoch, was.major) != (now.epoch, now.major):
        return "major"
    return "older" if now < was else None


def distribution_versions(*distributions: str) -> dict[str, str]:
    """Installed versions of the given distributions (missing ones are left out).

    Every save (manifest) and load (version warnings) asks, and reading a distribution's
    metadata is slow next to the rest of a small save, so a version found is remembered with
    the directory it was found in (a site-packages): installing, upgrading or removing a
    distribution there adds or removes a `.dist-info` directory, which changes the directory's
    mtime, and the version is then looked up again. A distribution that is not found is looked
    up at every call (cheap: importlib.metadata keeps directory listings), so one installed
    later is seen. Not seen: the same distribution installed later into a directory that comes
    earlier on `sys.path` than the one it was found in."""
    path = tuple(sys.path)
    versions = {}
    for name in distributions:
        version = _installed_version(name, path)
        if version is not None:
            versions[name] = version
    return versions


# {distribution: (sys.path, the directory it was found in, that directory's stamp, version)}
# A stamp is stamps.path_stamp's: None for a directory changed too recently to trust.
_FOUND: dict[str, tuple[tuple[str, ...], str, Stamp, str]] = {}


def forget_found() -> None:
    """Forget every version found (as in a new process)."""
    _FOUND.clear()


def _installed_version(name: str, path: tuple[str, ...]) -> str | None:
    hit = _FOUND.get(name)
    if hit is not None and hit[0] == path and path_stamp(hit[1]) == hit[2]:
        return hit[3]
    from importlib import metadata  # not at the top: it is slow to import

    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        _FOUND.pop(name, None)
        return None
    version = dist.version
    try:
        where = os.fspath(dist.locate_file(""))
    except Exception:  # a distribution found by another kind of finder: not remembered
        where = None
    # A change after the metadata was read gives the directory a fresh mtime: not trusted.
    stamp = path_stamp(where) if where is not None else None
    if isinstance(version, str) and stamp is not None:
        _FOUND[name] = (path, where, stamp, version)
    else:
        _FOUND.pop(name, None)
    return version if isinstance(version, str) else None
