"""CatBoost pools (`quantized_pool`): a quantized `Pool` in CatBoost's quantized pool file,
`pool.bin`, read back with `Pool("quantized://<path>")`.

Only a quantized pool has a file format of its own. A pool that is not quantized is refused
with the way out, unless the caller asks for it with `quantize=True`: then a copy is quantized
(CatBoost's `Pool.quantize()` works in place, so the copy is a `slice` of every row, which
takes as much memory as the pool) and the user's pool is left as it was.

What the file does not keep, CatBoost 1.2: pairs (a pool with pairs is refused rather than
silently losing them) and the label's type (labels come back as strings, e.g. "1.0").
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, import_library
from .values import encode_value
from .versions import distribution_versions

FORMAT_ID = "quantized_pool"
LIBRARY = "catboost"
PIP_PACKAGE = "catboost"
MODULES = (LIBRARY,)
TYPES = ("catboost.core.Pool",)
POOL_FILE = "pool.bin"


def library_versions() -> dict[str, str]:
    return distribution_versions("catboost", "numpy")


def save(
    obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER, quantize: bool = False
) -> dict[str, Any]:
    if not isinstance(quantize, bool):
        raise TypeError(f"quantize must be a bool, not {type(quantize).__name__}")
    if obj.num_pairs():
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"the pool has {obj.num_pairs()} pairs, which CatBoost's quantized pool file does "
            "not keep: save the pairs separately and set them again with set_pairs() after "
            "loading",
        )
    quantized_here = not obj.is_quantized()
    if quantized_here and not quantize:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            "the pool is not quantized, and only a quantized pool has a file format: quantize "
            "it with pool.quantize() (in place, with the borders you choose), or save with "
            "quantize=True to store a quantized copy with CatBoost's default borders",
        )
    catboost = import_library("catboost", PIP_PACKAGE)
    try:
        pool = obj
        if quantized_here:
            import numpy as np

            pool = obj.slice(np.arange(obj.num_row()))  # a copy: quantize() works in place
            pool.quantize()
        pool.save(os.path.join(directory, POOL_FILE))
    except catboost.CatBoostError as exc:
        raise ModelStoreError(
            UNSUPPORTED_TYPE, f"CatBoost cannot write this pool as a quantized pool file: {exc}"
        ) from exc
    return {
        "n_rows": pool.num_row(),
        "n_features": pool.num_col(),
        "feature_names": encode_value(pool.get_feature_names(), "the feature names"),
        "cat_features": encode_value(pool.get_cat_feature_indices(), "the categorical features"),
        "has_label": bool(pool.has_label()),
        "quantized_on_save": quantized_here,
    }


def describe(obj: Any) -> dict[str, Any]:
    """The size of the data set and its feature names."""
    return {
        "n_rows": obj.num_row(),
        "n_features": obj.num_col(),
        "feature_names": obj.get_feature_names(),
    }


def load(files: VersionFiles, info: Any) -> Any:
    catboost = import_library("catboost", PIP_PACKAGE)
    # A quantized pool loads from a path only: every file verified first (verified.py).
    return catboost.Pool("quantized://" + os.path.join(files.directory, POOL_FILE))
