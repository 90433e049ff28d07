"""What a model takes and gives (its signature), as each library tells it without running the
model: `describe()` of each format, kept in the manifest's `extra["signature"]` at save time, so
that the model card shows it without importing anything in the kernel.

A signature is a dict of snake_case keys to JSON scalars and lists (`inputs`/`outputs` are
lists of {name, shape, dtype}). A library that cannot tell something leaves the key out.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# Long lists (feature names, classes) are cut here: a card shows them, it does not feed them.
MAX_ITEMS = 1000


def tensor(name: Any, shape: Any, dtype: Any) -> dict[str, Any]:
    """One input or output: its name, shape (ints; a name or None for a free dimension) and
    dtype."""
    return {
        "name": None if name is None else str(name),
        "shape": None if shape is None else [_dimension(d) for d in shape],
        "dtype": None if dtype is None else str(dtype),
    }


def _dimension(d: Any) -> int | str | None:
    if d is None or isinstance(d, int):
        return d
    text = str(d)
    return int(text) if text.isdigit() else text or None


def plain(value: Any) -> Any:
    """`value` as JSON scalars and lists: numpy scalars and arrays become Python values, other
    objects their text; lists longer than MAX_ITEMS are cut."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if hasattr(value, "tolist") and type(value).__module__.startswith("numpy"):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in list(value)[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def signature_of(fmt: Any, obj: Any) -> dict[str, Any] | None:
    """The format's description of `obj`, made plain; None when the format has no `describe`
    or the library could not tell (a save never fails for want of a signature)."""
    describe = getattr(fmt, "describe", None)
    if describe is None:
        return None
    try:
        described = describe(obj)
    except Exception as exc:  # noqa: BLE001 - a library's own failure, reported and ignored
        log.warning("no signature for a %s model: %s", fmt.FORMAT_ID, exc)
        return None
    return {key: plain(value) for key, value in described.items() if value is not None}
