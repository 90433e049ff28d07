"""A seam for fault injection: the store calls `point(name)` at each moment a crash would
matter (after staging, after hashing, after the manifest is written, ...). It does nothing
unless a test installs a handler, which may kill the process there (tests/support/
store_child.py) or record the points reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable

Handler = Callable[[str], None]

_handler: Handler | None = None


def point(name: str) -> None:
    """A named moment of a save or delete; the names are given where it is called."""
    if _handler is not None:
        _handler(name)


def set_handler(handler: Handler | None) -> Handler | None:
    """Install `handler` (None: none); returns the one it replaces."""
    global _handler
    previous, _handler = _handler, handler
    return previous


@contextmanager
def injected(handler: Handler) -> Iterator[None]:
    """`handler` is called at every point while the block runs."""
    previous = set_handler(handler)
    try:
        yield
    finally:
        set_handler(previous)
