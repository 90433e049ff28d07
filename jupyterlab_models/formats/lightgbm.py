"""LightGBM (`lgbm`): the booster in LightGBM's own text model format, `model.txt`.

A scikit-learn wrapper is rebuilt on load from `extra`: its class (only one of WRAPPERS, so a
manifest cannot make us import arbitrary code), its constructor parameters and the fitted state
that `predict`/`predict_proba` read. A subclass of a wrapper is saved as that wrapper.
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library
from .values import decode_value, encode_value
from .versions import distribution_versions

FORMAT_ID = "lgbm"
LIBRARY = "lightgbm"
PIP_PACKAGE = "lightgbm"
MODULES = (LIBRARY,)
CLASSIFIER = "lightgbm.sklearn.LGBMClassifier"
WRAPPERS = (CLASSIFIER, "lightgbm.sklearn.LGBMRegressor", "lightgbm.sklearn.LGBMRanker")
TYPES = (*WRAPPERS, "lightgbm.basic.Booster")
MODEL_FILE = "model.txt"


def library_versions() -> dict[str, str]:
    return distribution_versions("lightgbm", "scikit-learn", "numpy")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    wrapper = next((p for p in map(class_path, type(obj).__mro__) if p in WRAPPERS), None)
    if wrapper is not None and not obj.__sklearn_is_fitted__():
        raise ModelStoreError(
            UNSUPPORTED_TYPE, "the model is not fitted: call fit() before saving it"
        )
    booster = obj if wrapper is None else obj.booster_
    # Keep every iteration; best_iteration (predict's default) is restored on load. Written
    # by LightGBM itself, then hashed by the store: model_to_string (to hash while writing)
    # serializes a model over 1 MB twice (its first buffer is 1 MB), 2x slower (P1, #19).
    booster.save_model(os.path.join(directory, MODEL_FILE), num_iteration=-1)
    extra: dict[str, Any] = {
        "wrapper": wrapper,
        "best_iteration": booster.best_iteration,
        "n_features": booster.num_feature(),
        "feature_names": booster.feature_name(),
    }
    if wrapper is not None:
        extra.update(_wrapper_state(obj, wrapper))
    return extra


def _wrapper_state(model: Any, wrapper: str) -> dict[str, Any]:
    params = model.get_params(deep=False)
    state = {
        "params": {k: encode_value(v, f"parameter {k!r}") for k, v in params.items()},
        "objective": encode_value(model.objective_, "the fitted objective"),
        "n_features_in": model.n_features_in_,
        "fitted_with_feature_names": bool(getattr(model, "_fitted_with_feature_names", False)),
        "best_score": encode_value(model.best_score_, "best_score_"),
    }
    if wrapper == CLASSIFIER:
        classes = model.classes_
        state["classes"] = {
            "dtype": classes.dtype.str,  # kept so that predict() returns labels of the same dtype
            "values": encode_value(classes.tolist(), "the class labels"),
        }
    return state


def describe(obj: Any) -> dict[str, Any]:
    """Features, classes and trees, from the booster (nothing is run)."""
    wrapper = next((p for p in map(class_path, type(obj).__mro__) if p in WRAPPERS), None)
    booster = obj if wrapper is None else obj.booster_
    return {
        "n_features": booster.num_feature(),
        "feature_names": booster.feature_name(),
        "classes": getattr(obj, "classes_", None) if wrapper == CLASSIFIER else None,
        "trees": booster.num_trees(),
        "objective": booster.params.get("objective"),
    }


def load(files: VersionFiles, info: Any) -> Any:
    lightgbm = import_library("lightgbm", PIP_PACKAGE)
    extra = info.extra
    # The verified bytes are the text parsed.
    booster = lightgbm.Booster(model_str=files.read(MODEL_FILE).decode("utf-8"))
    booster.best_iteration = extra["best_iteration"]
    wrapper = extra["wrapper"]
    if wrapper is None:
        return booster
    if wrapper not in WRAPPERS:
        raise ModelStoreError(UNSUPPORTED_TYPE, f"unknown LightGBM wrapper class {wrapper!r}")
    import_library("sklearn", "scikit-learn")
    cls = getattr(lightgbm.sklearn, wrapper.rsplit(".", 1)[1])
    model = cls(**{k: decode_value(v) for k, v in extra["params"].items()})
    _restore_fitted_state(model, booster, extra)
    return model


def _restore_fitted_state(model: Any, booster: Any, extra: dict[str, Any]) -> None:
    # The private attributes LGBMModel.fit() sets and predict() reads (LightGBM 4.x).
    model._Booster = booster
    model._objective = decode_value(extra["objective"])
    model._n_features = booster.num_feature()
    model._n_features_in = extra["n_features_in"]
    model._fitted_with_feature_names = extra["fitted_with_feature_names"]
    model._best_iteration = booster.best_iteration
    model._best_score = decode_value(extra["best_score"])
    if "classes" in extra:
        import numpy as np
        from sklearn.preprocessing import LabelEncoder

        values = decode_value(extra["classes"]["values"])
        classes = np.empty(len(values), dtype=np.dtype(extra["classes"]["dtype"]))
        classes[:] = values
        encoder = LabelEncoder()
        encoder.classes_ = classes
        model._le = encoder
        model._classes = classes
        model._n_classes = len(classes)
        model._class_map = dict(zip(classes, encoder.transform(classes)))
    model.fitted_ = True
