"""The registry of formats: which format saves an object, and the format of an id.

Detection imports nothing: a library that is not in `sys.modules` cannot have created the
object, and the object is only looked at through `type(obj).__mro__` (never repr/str/len,
which may run user code). Where several formats accept the same type, the first in FORMATS is
the default and the others are chosen explicitly (`ModelStore.save(..., format_id=...)`).

What a format is: base.py; one module per library beside it.
"""

from __future__ import annotations

import sys
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from . import (
    catboost,
    catboost_pool,
    hf_pipeline,
    hf_processor,
    hf_transformers,
    keras,
    lightgbm,
    onnx,
    peft_adapter,
    skops,
    tensorflow,
    torch,
    torch_export,
    xgboost,
)
from .base import Format, class_path, matched_type
from .signature import signature_of

__all__ = [
    "FORMATS",
    "Format",
    "by_id",
    "class_path",
    "detect",
    "imported_formats",
    "installed_versions",
    "matched_type",
    "signature_of",
    "supported_types",
]

# Order matters: the first format that accepts a type is its default. Specific libraries come
# before generic ones (LightGBM/XGBoost/CatBoost estimators are scikit-learn estimators too,
# Keras models before TensorFlow modules, Hugging Face models and PEFT adapters before the torch
# modules they also are, "pt" before the opt-in "pt2").
FORMATS: tuple[Format, ...] = (
    catboost,
    catboost_pool,
    lightgbm,
    xgboost,
    keras,
    tensorflow,
    peft_adapter,
    hf_transformers,
    hf_pipeline,
    hf_processor,
    torch,
    torch_export,
    onnx,
    skops,
)


def imported_formats() -> tuple[Format, ...]:
    """The formats whose library is imported: objects of the others cannot exist."""
    return tuple(fmt for fmt in FORMATS if any(m in sys.modules for m in fmt.MODULES))


def detect(obj: Any, candidates: tuple[Format, ...] | None = None) -> Format | None:
    """The format that can save `obj`, or None. Imports nothing and calls nothing on `obj`.

    `candidates` is `imported_formats()`, passed in by callers that detect many objects."""
    for fmt in imported_formats() if candidates is None else candidates:
        if matched_type(obj, fmt) is not None:
            return fmt
    return None


def by_id(format_id: str) -> Format:
    for fmt in FORMATS:
        if fmt.FORMAT_ID == format_id:
            return fmt
    raise ModelStoreError(
        UNSUPPORTED_TYPE,
        f"format {format_id!r} is not supported by this version of jupyterlab-models",
    )


def supported_types() -> list[str]:
    return [path for fmt in FORMATS for path in fmt.TYPES]


def installed_versions() -> dict[str, str]:
    """Installed versions of every supported library (from package metadata: no import)."""
    versions: dict[str, str] = {}
    for fmt in FORMATS:
        versions.update(fmt.library_versions())
    return versions
