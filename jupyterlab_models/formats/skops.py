"""scikit-learn (`skops`): estimators and pipelines in skops' format, `model.skops`.

skops stores an object tree, not pickled code, and loads only the types it trusts by default
(scikit-learn's estimators, numpy, scipy...). Any other type it needs is "untrusted": `load`
builds the model only when the caller trusts every one of them explicitly
(`trusted=[...]`), and otherwise fails with code `untrusted` and their list in the details.
The list found at save time is kept in `extra["untrusted"]`, so it can be shown before loading.
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, UNTRUSTED, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, OptionError, import_library
from .versions import distribution_versions

FORMAT_ID = "skops"
LIBRARY = "sklearn"
PIP_PACKAGE = "skops"
MODULES = (LIBRARY,)
TYPES = ("sklearn.base.BaseEstimator",)
MODEL_FILE = "model.skops"


def library_versions() -> dict[str, str]:
    return distribution_versions("scikit-learn", "skops", "numpy", "scipy")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    import_library("sklearn", "scikit-learn")
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(obj)
    except NotFittedError:
        raise ModelStoreError(
            UNSUPPORTED_TYPE, "the model is not fitted: call fit() before saving it"
        ) from None
    sio = import_library("skops.io", PIP_PACKAGE)
    try:
        data = sio.dumps(obj)  # the bytes sio.dump writes, through the writer (hashed on the way)
    except sio.exceptions.UnsupportedTypeException as exc:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"skops cannot store this model, so it is not saved: {str(exc).rstrip('.')}. Its "
            "format has no place for that object; save another estimator of the same task, or "
            "export the fitted model to ONNX (skl2onnx) and save the ModelProto",
        ) from exc
    writer.write(os.path.join(directory, MODEL_FILE), data)
    return {"untrusted": sorted(sio.get_untrusted_types(data=data))}


def describe(obj: Any) -> dict[str, Any]:
    """What a fitted scikit-learn estimator says of itself: features and classes."""
    names = getattr(obj, "feature_names_in_", None)
    steps = getattr(obj, "steps", None)
    return {
        "n_features": getattr(obj, "n_features_in_", None),
        "feature_names": names,
        "classes": getattr(obj, "classes_", None),
        "steps": [name for name, _ in steps] if isinstance(steps, list) else None,
    }


def load(files: VersionFiles, info: Any, *, trusted: list[str] | None = None) -> Any:
    if trusted is not None and (
        not isinstance(trusted, (list, tuple)) or not all(isinstance(t, str) for t in trusted)
    ):
        raise OptionError("trusted must be a list of type names (str)")
    sio = import_library("skops.io", PIP_PACKAGE)
    import_library("sklearn", "scikit-learn")
    data = files.read(MODEL_FILE)  # verified: skops parses the bytes that were hashed
    untrusted = sorted(sio.get_untrusted_types(data=data))
    missing = [name for name in untrusted if name not in (trusted or ())]
    if missing:
        raise ModelStoreError(
            UNTRUSTED,
            f"loading this model needs these types, which skops does not trust by default: "
            f"{', '.join(missing)}. Load it only if you trust where it comes from, by passing "
            "trusted=[...] with every one of them",
            details={"untrusted": untrusted},
        )
    return sio.loads(data, trusted=untrusted)
