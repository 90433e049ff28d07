"""Which model of a store an object was saved as or loaded from, in this Python: a PEFT
adapter made on a model of the store finds its base here (peft_adapter.py). Kept for the
formats that say KEEPS_ORIGIN (hf_transformers), weakly: a model that is gone is forgotten.
"""

from __future__ import annotations

import weakref
from typing import Any

# {object: (store location, name, version)}
ORIGINS: weakref.WeakKeyDictionary[Any, tuple[str, str, int]] = weakref.WeakKeyDictionary()


def remember(obj: Any, location: str, name: str, version: int) -> None:
    try:
        ORIGINS[obj] = (location, name, version)
    except TypeError:  # not weakly referenceable, or unhashable
        pass


def origin(obj: Any, location: str) -> tuple[str, int] | None:
    """(name, version) in the store at `location` that `obj` was saved as or loaded from."""
    try:
        found = ORIGINS.get(obj)
    except TypeError:
        return None
    if found is None or found[0] != location:
        return None
    return found[1], found[2]
