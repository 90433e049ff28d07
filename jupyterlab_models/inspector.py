"""Find the variables of a namespace that hold a supported model.

Imports nothing and calls nothing on the values (no repr/str/len/bool): it looks only at
`type(value).__mro__` and at `sys.modules`, so scanning a notebook is instant and safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import formats


@dataclass(frozen=True)
class VariableInfo:
    name: str
    library: str
    class_path: str  # the public class path of the value's type, `class` on the wire
    format: str

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "library": self.library,
            "class": self.class_path,
            "format": self.format,
        }


def scan(namespace: Mapping[str, Any]) -> list[VariableInfo]:
    """Supported models in `namespace`, sorted by name; names starting with `_` are skipped."""
    found = []
    candidates = formats.imported_formats()
    # One detection per class: keyed by id() so that no user-defined __hash__ runs.
    by_class: dict[int, Any] = {}
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        cls = type(value)
        if id(cls) not in by_class:
            by_class[id(cls)] = formats.detect(value, candidates)
        fmt = by_class[id(cls)]
        if fmt is not None:
            found.append(
                VariableInfo(name, fmt.LIBRARY, formats.class_path(type(value)), fmt.FORMAT_ID)
            )
    return sorted(found, key=lambda v: v.name)
