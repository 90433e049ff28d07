"""What a conformance case is, how outputs become JSON and how two of them are compared."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


class NotApplicable(Exception):
    """A catalogue entry that cannot be built on a small dataset (listed, not counted)."""


@dataclass
class Case:
    """One model: `build()` gives (model, options for ModelStore.save); `outputs(model)` what
    it computes on fixed inputs (run on the model and on the copy loaded in a fresh process)."""

    id: str
    build: Callable[[], tuple[Any, dict[str, Any]]]
    outputs: Callable[[Any], Any]
    rtol: float = 1e-5
    atol: float = 1e-6
    same_class: bool = True  # the loaded copy has the saved class
    subset: bool = False  # also run by `make test`
    uses_store: bool = False  # build(store): e.g. a PEFT adapter's base is saved there first
    extra: dict[str, Any] = field(default_factory=dict)


def to_json(value: Any) -> Any:
    """Arrays, tensors, dicts, lists, scalars and strings as JSON values (NaN as "nan")."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if hasattr(value, "detach"):  # torch (bfloat16 has no numpy dtype: as float64)
        value = value.detach().cpu()
        value = (value.double() if value.is_floating_point() else value).numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # tf / keras tensors
        value = value.numpy()
    if hasattr(value, "toarray"):  # scipy sparse
        value = value.toarray()
    array = np.asarray(value)
    if array.dtype.kind in "fc":
        array = array.real.astype(np.float64)
        return {
            "f": np.where(np.isfinite(array), array, 0).tolist(),
            "nan": np.isnan(array).tolist(),
        }
    if array.dtype.kind in "iub":
        return array.tolist()
    if array.dtype.kind == "S":
        return np.char.decode(array, "utf-8").tolist()
    return np.vectorize(str, otypes=[object])(array).tolist() if array.size else []


def same(expected: Any, actual: Any, rtol: float, atol: float) -> str | None:
    """None when equal (floats within tolerance), else where they differ."""
    if isinstance(expected, dict) and set(expected) == {"f", "nan"} and isinstance(actual, dict):
        if expected["nan"] != actual.get("nan"):
            return "NaNs differ"
        a, b = np.asarray(expected["f"]), np.asarray(actual.get("f"))
        if a.shape != b.shape:
            return f"shape {a.shape} != {b.shape}"
        if not np.allclose(a, b, rtol=rtol, atol=atol):
            return f"max difference {np.max(np.abs(a - b)):.3g}"
        return None
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            return f"keys {sorted(expected)} != {sorted(actual)}"
        for key in expected:
            diff = same(expected[key], actual[key], rtol, atol)
            if diff:
                return f"{key}: {diff}"
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"length {len(expected)} != {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            diff = same(e, a, rtol, atol)
            if diff:
                return f"[{i}]: {diff}"
        return None
    return None if expected == actual else f"{str(expected)[:60]} != {str(actual)[:60]}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
