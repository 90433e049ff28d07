"""CatBoost (`cbm`): the model in CatBoost's own binary format, `model.cbm`.

The file holds the trees, the feature layout (categorical, text...) and the class labels with
their types, so predictions come back identical. What it does not hold exactly is the
constructor parameters (`get_params()`): CatBoost reads back its training options instead,
in another shape (no `cat_features`, class weights as a list...). They are kept in `extra`
and given back to the model before the file is read, so the loaded model can be trained
again like the original.

The class rebuilt on load is one of TYPES (CatBoost's own classes, never a class path read
from a manifest); a subclass of one of them is saved, and loaded, as that class.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, import_library, matched_type
from .values import decode_value, encode_value
from .versions import distribution_versions

FORMAT_ID = "cbm"
LIBRARY = "catboost"
PIP_PACKAGE = "catboost"
MODULES = (LIBRARY,)
# Most specific first is not needed: matched_type walks the MRO, so a CatBoostClassifier
# matches its own class before the base `CatBoost`.
TYPES = (
    "catboost.core.CatBoostClassifier",
    "catboost.core.CatBoostRegressor",
    "catboost.core.CatBoostRanker",
    "catboost.core.CatBoost",
)
MODEL_FILE = "model.cbm"


def library_versions() -> dict[str, str]:
    return distribution_versions("catboost", "numpy")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    if not obj.is_fitted():
        raise ModelStoreError(
            UNSUPPORTED_TYPE, "the model is not fitted: call fit() before saving it"
        )
    params = {k: _json_param(v) for k, v in obj.get_params().items()}
    path = os.path.join(directory, MODEL_FILE)
    # The bytes save_model(path, format="cbm") writes, made in memory (the same serializer as
    # CatBoost's pickling; a test checks they are the file's) and written through the writer,
    # which hashes them on the way; the file save where this CatBoost has no such call.
    serialize = getattr(obj, "_serialize_model", None)
    if serialize is not None:
        writer.write(path, serialize())
    else:
        obj.save_model(path, format="cbm")
    return {
        "class": matched_type(obj, sys.modules[__name__]),
        "params": {k: encode_value(v, f"parameter {k!r}") for k, v in params.items()},
        "tree_count": obj.tree_count_,
        "feature_names": encode_value(list(obj.feature_names_ or []), "the feature names"),
    }


def _json_param(value: Any) -> Any:
    # Array parameters (cat_features=np.array([...]), ...) are kept as lists, which CatBoost
    # takes the same way.
    if type(value).__module__ == "numpy" and getattr(value, "ndim", 0) > 0:
        return value.tolist()
    return value


def describe(obj: Any) -> dict[str, Any]:
    """Features, classes and trees, as CatBoost keeps them."""
    names = obj.feature_names_
    return {
        "n_features": len(names) if names is not None else None,
        "feature_names": names,
        "classes": getattr(obj, "classes_", None),
        "trees": obj.tree_count_,
    }


def load(files: VersionFiles, info: Any) -> Any:
    catboost = import_library("catboost", PIP_PACKAGE)
    path = info.extra["class"]
    if path not in TYPES:
        raise ModelStoreError(UNSUPPORTED_TYPE, f"unknown CatBoost model class {path!r}")
    model = getattr(catboost, path.rsplit(".", 1)[1])()
    model.set_params(**{k: decode_value(v) for k, v in info.extra["params"].items()})
    # Read from the verified bytes: load_model(fname) would replace the parameters set above
    # with the training options stored in the file, a blob keeps them (as CatBoost's own copy
    # does).
    model.load_model(blob=files.read(MODEL_FILE))
    return model
