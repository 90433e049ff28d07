"""What a test compares in a manifest."""

from __future__ import annotations

from typing import Any


def format_extra(info: Any) -> dict[str, Any]:
    """A manifest's `extra` as its format wrote it: without the signature the store adds
    (formats/signature.py; tested in formats/test_describe.py)."""
    return {key: value for key, value in info.extra.items() if key != "signature"}
