"""XGBoost (`xgb`): the model in XGBoost's UBJSON format, `model.ubj`, via `save_model`.

The file holds the booster, its attributes (best_iteration...) and, for a scikit-learn
wrapper, the estimator type that XGBoost's own `load_model` checks. It does not hold the
wrapper's constructor parameters (`n_estimators`, `random_state`...; `load_model` even resets
`objective`, `base_score`... from the booster's configuration): they are kept in `extra` and
set again on load, so that `get_params()` and a new `fit()` behave like the original's.

The class rebuilt on load is one of WRAPPERS (XGBoost's own classes, never a class path read
from a manifest), or a Booster; a subclass of one of them is saved, and loaded, as that class.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library, matched_type
from .values import decode_value, encode_value
from .versions import distribution_versions

FORMAT_ID = "xgb"
LIBRARY = "xgboost"
PIP_PACKAGE = "xgboost"
MODULES = (LIBRARY,)
WRAPPERS = (
    "xgboost.sklearn.XGBClassifier",
    "xgboost.sklearn.XGBRegressor",
    "xgboost.sklearn.XGBRanker",
    "xgboost.sklearn.XGBRFClassifier",
    "xgboost.sklearn.XGBRFRegressor",
)
BOOSTER = "xgboost.core.Booster"
TYPES = (*WRAPPERS, BOOSTER)
MODEL_FILE = "model.ubj"  # save_model picks the format from the extension


def library_versions() -> dict[str, str]:
    # The CPU-only wheel is the distribution "xgboost-cpu": the same library, recorded under
    # one name so that versions compare across the two.
    found = distribution_versions("xgboost", "xgboost-cpu")
    library = {"xgboost": found.get("xgboost") or found["xgboost-cpu"]} if found else {}
    return {**library, **distribution_versions("scikit-learn", "numpy")}


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    matched = matched_type(obj, sys.modules[__name__])
    wrapper = None if matched == BOOSTER else matched
    if wrapper is not None and not obj.__sklearn_is_fitted__():
        raise ModelStoreError(
            UNSUPPORTED_TYPE, "the model is not fitted: call fit() before saving it"
        )
    extra: dict[str, Any] = {"wrapper": wrapper}
    if wrapper is not None:
        extra.update(_wrapper_params(obj))
    booster = obj if wrapper is None else obj.get_booster()
    writer.write(os.path.join(directory, MODEL_FILE), _ubj(obj, booster, wrapper))
    extra["n_features"] = booster.num_features()
    extra["feature_names"] = encode_value(booster.feature_names, "the feature names")
    extra["boosted_rounds"] = booster.num_boosted_rounds()
    return extra


def _wrapper_params(model: Any) -> dict[str, Any]:
    params = model.get_params(deep=False)
    # NaN is a usual value (`missing` defaults to it) that JSON cannot hold: listed by name.
    nan = sorted(k for k, v in params.items() if isinstance(v, float) and math.isnan(v))
    return {
        "params": {
            k: encode_value(v, f"parameter {k!r}") for k, v in params.items() if k not in nan
        },
        "nan_params": nan,
    }


def _ubj(obj: Any, booster: Any, wrapper: str | None) -> bytes:
    """The bytes `obj.save_model("model.ubj")` writes, in memory (for the writer): a
    wrapper's save_model records its estimator type in the booster's attributes around the
    save, as done here."""
    if wrapper is None:
        return bytes(booster.save_raw("ubj"))
    booster.set_attr(scikit_learn=json.dumps({"_estimator_type": obj._get_type()}))
    try:
        return bytes(booster.save_raw("ubj"))
    finally:
        booster.set_attr(scikit_learn=None)


def describe(obj: Any) -> dict[str, Any]:
    """Features, classes and boosting rounds, from the booster (nothing is run)."""
    booster = obj if class_path(type(obj)) == BOOSTER else obj.get_booster()
    return {
        "n_features": booster.num_features(),
        "feature_names": booster.feature_names,
        "classes": getattr(obj, "classes_", None),
        "trees": booster.num_boosted_rounds(),
        "objective": getattr(obj, "objective", None),
    }


def load(files: VersionFiles, info: Any) -> Any:
    xgboost = import_library("xgboost", PIP_PACKAGE)
    data = bytearray(files.read(MODEL_FILE))  # verified; XGBoost parses a buffer as a file
    wrapper = info.extra["wrapper"]
    if wrapper is None:
        return xgboost.Booster(model_file=data)
    if wrapper not in WRAPPERS:
        raise ModelStoreError(UNSUPPORTED_TYPE, f"unknown XGBoost wrapper class {wrapper!r}")
    import_library("sklearn", "scikit-learn")
    params = {k: decode_value(v) for k, v in info.extra["params"].items()}
    params.update(dict.fromkeys(info.extra["nan_params"], math.nan))
    model = getattr(xgboost.sklearn, wrapper.rsplit(".", 1)[1])(**params)
    model.load_model(data)
    # load_model overwrites some hyper-parameters with the booster's configuration; the
    # original had the ones it was created with (parameters that are not attributes went to
    # `kwargs` and were left alone).
    for key, value in params.items():
        if key in vars(model):
            setattr(model, key, value)
    return model
