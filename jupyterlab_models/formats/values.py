"""Values a format keeps in the manifest's `extra` (estimator parameters, class labels)."""

from __future__ import annotations

from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from .base import class_path

# Values a format keeps in `extra` (estimator parameters, class labels) must survive JSON
# exactly. Lists, str/int/float/bool/None stay as they are; a dict becomes {"dict": [[k, v]...]}
# (keys may be ints, e.g. class_weight) and a tuple {"tuple": [...]}, so that decoding gives back
# the same types. Anything else is refused: there is no pickle fallback.


def encode_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise _unencodable(where, f"the non-finite number {value}")
        return value
    # numpy scalars (np.int64(3), np.str_("a")...) become their Python value
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return encode_value(value.item(), where)
    if isinstance(value, list):
        return [encode_value(item, where) for item in value]
    if isinstance(value, tuple):
        return {"tuple": [encode_value(item, where) for item in value]}
    if isinstance(value, dict):
        return {
            "dict": [[encode_value(k, where), encode_value(v, where)] for k, v in value.items()]
        }
    raise _unencodable(where, f"a value of type {class_path(type(value))}")


def decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, dict):
        if "tuple" in value:
            return tuple(decode_value(item) for item in value["tuple"])
        return {decode_value(k): decode_value(v) for k, v in value["dict"]}
    return value


def _unencodable(where: str, what: str) -> ModelStoreError:
    return ModelStoreError(
        UNSUPPORTED_TYPE,
        f"{where} is {what}, which cannot be stored as JSON (models are never pickled)",
    )
