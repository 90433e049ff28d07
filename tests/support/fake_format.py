"""A tiny test-only format: a `Blob` of bytes saved as a few files, with no ML library, so
that child processes start fast (tests/support/store_child.py) and tests control what is written.

`register(monkeypatch)` adds it to the format registry of this process.
"""

from __future__ import annotations

import os
from typing import Any

FORMAT_ID = "test_blob"
LIBRARY = __name__  # this module (tests.support.fake_format): detection sees it in sys.modules
PIP_PACKAGE = "none"
MODULES = (LIBRARY,)
TYPES = (f"{__name__}.Blob",)


class Blob:
    def __init__(self, data: bytes, parts: int = 3) -> None:
        self.data = data
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Blob) and (self.data, self.parts) == (other.data, other.parts)

    def __repr__(self) -> str:
        return f"Blob({len(self.data)} bytes in {self.parts} parts)"


def save(obj: Blob, directory: str, *, writer: Any = None, **options: Any) -> dict[str, Any]:
    from jupyterlab_models import faults

    if options:
        raise TypeError(f"unknown options {sorted(options)}")
    size = -(-len(obj.data) // obj.parts)
    os.makedirs(os.path.join(directory, "parts"))
    for i in range(obj.parts):
        with open(os.path.join(directory, "parts", f"{i}.bin"), "wb") as f:
            f.write(obj.data[i * size : (i + 1) * size])
        if i == 0:
            faults.point("format_writing")
    return {"parts": obj.parts}


def load(files: Any, info: Any, **options: Any) -> Blob:
    """Each part read once through `files.read` (verified bytes, verified.py)."""
    data = b"".join(files.read(f"parts/{i}.bin") for i in range(info.extra["parts"]))
    return Blob(data, info.extra["parts"])


def library_versions() -> dict[str, str]:
    return {"fake-format": "1.0"}


def register(monkeypatch: Any = None) -> None:
    import sys

    from jupyterlab_models import formats

    module = sys.modules[__name__]
    if module in formats.FORMATS:
        return
    if monkeypatch is None:
        formats.FORMATS = (*formats.FORMATS, module)
    else:
        monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, module))
