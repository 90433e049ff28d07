"""Version numbers of a local store are never given twice: a delete records the highest
number it removes in `<store>/.numbers/<name>` (under the name's lock) before the version
disappears, and a save numbers past it.
"""

from __future__ import annotations

import uuid

from ..protocol import INTERNAL, ModelStoreError
from .files import write_synced
from .layout import MAX_VERSION, NUMBERS, version_number
from .safe import Dir


def next_version(root: Dir, name: str, model: Dir) -> int:
    """One more than any version of `name` there is or ever was (`model` is its directory)."""
    existing = [v for v in map(version_number, model.names()) if v is not None]
    version = max([*existing, highest(root, name)], default=0) + 1
    if version > MAX_VERSION:
        raise ModelStoreError(INTERNAL, f"model {name!r} has no version number left")
    return version


def highest(root: Dir, name: str) -> int:
    """The highest number recorded for `name`; 0 if none."""
    try:
        with root.sub(NUMBERS, "bookkeeping directory") as numbers:
            text = numbers.read(name, 32)
    except (FileNotFoundError, ValueError, ModelStoreError):
        return 0  # none yet; a damaged one counts as none: the existing versions still count
    return version_number(text.decode("ascii", "replace").strip()) or 0


def raise_highest(root: Dir, name: str, version: int) -> None:
    """Record `version` as the highest given to `name` (under its lock), atomically."""
    if version <= highest(root, name):
        return
    temporary = f"{uuid.uuid4().hex}.tmp"
    with root.own_sub(NUMBERS) as numbers:
        with numbers.create(temporary) as f:
            write_synced(f, f"{version}\n".encode("ascii"))
        numbers.rename(temporary, numbers, name)
