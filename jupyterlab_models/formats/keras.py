"""Keras (`tf_keras`): the `.keras` archive written by `model.save`, `model.keras`.

Keras 3 models and legacy `tf_keras` models (Keras 2) are both accepted; `extra["library"]`
records which one wrote the archive, and that library reads it back with `safe_mode=True`,
so loading never runs Python code stored in the file (a `lambda` is refused).

A custom class (a `Model` subclass, a custom layer) is stored by its registered name and found
again only through Keras' registry: saving refuses a model that uses an unregistered class,
since it could never be loaded, and loading in a Python where the class is not registered (yet)
fails with a ModelStoreError that names the class and the decorator to use.
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from . import tensorflow
from .base import PLAIN_WRITER, import_library, matched_type
from .signature import tensor
from .versions import distribution_versions

FORMAT_ID = "tf_keras"
LIBRARY = "keras"
PIP_PACKAGE = "keras"
# Import names that can create the TYPES: with TF_USE_LEGACY_KERAS=1, TensorFlow imports
# tf_keras and not keras.
MODULES = ("keras", "tf_keras")
KERAS3_MODEL = "keras.src.models.model.Model"
TF_KERAS_MODEL = "tf_keras.src.engine.training.Model"
TYPES = (KERAS3_MODEL, TF_KERAS_MODEL)
# The library that reads an archive back, by `extra["library"]`, with its pip package.
LIBRARIES = {"keras": "keras", "tf_keras": "tf-keras"}
MODEL_FILE = "model.keras"  # model.save picks the archive format from the extension
# Modules whose classes a tf_keras config may name without registering them.
KERAS_MODULES = ("keras", "tf_keras", "builtins")

# How both libraries report a class or function that their registry does not know.
_NOT_FOUND = re.compile(r"Could not (?:locate|deserialize) (class|function) '([^']+)'")


def library_versions() -> dict[str, str]:
    # Keras (3 or tf_keras) first, then TensorFlow's, recorded as the tf_pure format does.
    return {**distribution_versions("keras", "tf-keras"), **tensorflow.library_versions()}


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    library = "tf_keras" if matched_type(obj, sys.modules[__name__]) == TF_KERAS_MODEL else "keras"
    keras = import_library(library, LIBRARIES[library])
    path = os.path.join(directory, MODEL_FILE)
    obj.save(path)
    config = _config(path)
    if _has_lambda(config):
        raise _lambda_error(library)
    custom = _custom_classes(config)
    unregistered = [name for name in custom if keras.saving.get_registered_object(name) is None]
    if unregistered:
        names = ", ".join(map(repr, unregistered))
        first = unregistered[0].rsplit(">", 1)[-1]
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"the model uses {names}, not registered with Keras, so it could never be loaded "
            f"again: decorate its class with @{library}.saving.register_keras_serializable() "
            f"(or, to keep this trained model, run "
            f"{library}.saving.register_keras_serializable()({first})) and save again",
            details={"unregistered": unregistered},
        )
    return {
        "library": library,
        "backend": keras.config.backend() if library == "keras" else "tensorflow",
        # Registered names of the custom classes that must be registered before loading.
        "custom_classes": custom,
    }


def _custom_classes(config: Any) -> list[str]:
    """Registered names of the classes in a model's config that Keras itself does not
    provide. Keras' own classes come from its modules, whether stored with a `registered_name`
    (`Functional`, and the `Add` of `x + y`, in Keras 3) or without one; functions are stored
    with "function"."""
    names = {
        entry["registered_name"]
        for entry in _entries(config)
        if not _from_keras(entry.get("module"))
    }
    return sorted(n for n in names if isinstance(n, str) and n != "function")


def _from_keras(module: object) -> bool:
    return isinstance(module, str) and module.split(".")[0] in KERAS_MODULES


def _has_lambda(config: Any) -> bool:
    """Whether the config holds a Python lambda (a Lambda layer's function), which a safe
    load refuses: found at save, the user can still replace it."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class_name") == "__lambda__":
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _config(archive: str) -> Any:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("config.json"))


def _entries(config: Any) -> Iterator[dict[str, Any]]:
    """Every serialized object (class or function) in a config, nested ones included."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "class_name" in item and "registered_name" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def describe(obj: Any) -> dict[str, Any]:
    """Inputs and outputs of a built model, its parameter and layer counts."""

    def specs(tensors: Any) -> list[dict[str, Any]] | None:
        try:
            found = list(tensors or [])
        except (AttributeError, ValueError):  # a subclassed model that was never called
            return None
        return [
            tensor(getattr(t, "name", None), t.shape, getattr(t.dtype, "name", t.dtype))
            for t in found
        ] or None

    return {
        "inputs": specs(getattr(obj, "inputs", None)),
        "outputs": specs(getattr(obj, "outputs", None)),
        "parameters": obj.count_params() if obj.built else None,
        "layers": len(obj.layers),
    }


def load(files: VersionFiles, info: Any) -> Any:
    library = info.extra.get("library")
    if library not in LIBRARIES:
        raise ModelStoreError(
            UNSUPPORTED_TYPE, f"unknown Keras library {library!r} in the manifest"
        )
    keras = import_library(library, LIBRARIES[library])
    # Keras opens its archive by path: every file verified first (verified.py).
    path = os.path.join(files.directory, MODEL_FILE)
    if library == "tf_keras":
        _check_tf_keras_classes(keras, path, library)
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (TypeError, ValueError) as exc:
        error = _load_error(exc, info.extra.get("custom_classes", []), library)
        if error is None:
            raise
        raise error from exc


def _check_tf_keras_classes(keras: Any, path: str, library: str) -> None:
    """tf_keras imports the module that the file names for a class it cannot find in its
    registry, even in safe mode: refuse that, as Keras 3 does."""
    for entry in _entries(_config(path)):
        module = entry.get("module")
        if not isinstance(module, str) or module.split(".")[0] in KERAS_MODULES:
            continue
        if entry["class_name"] == "function":  # functions are looked up by name
            kind, name, registered = "function", entry["config"], entry["config"]
        else:
            kind, name, registered = "class", entry["class_name"], entry["registered_name"]
        if keras.saving.get_registered_object(registered) is None:
            raise _unregistered(kind, str(name), str(registered), library)


def _load_error(exc: BaseException, custom: list[str], library: str) -> ModelStoreError | None:
    """A ModelStoreError for the two ways a safe load refuses a model, else None."""
    text = str(exc)
    missing = _NOT_FOUND.search(text)
    if missing is not None:
        kind, name = missing.groups()
        # Keras names the class; its registered name ("package>Class") is in the extra.
        registered = next((c for c in custom if c.rsplit(">", 1)[-1] == name), name)
        return _unregistered(kind, name, registered, library)
    if "safe_mode" in text:
        return _lambda_error(library)
    return None


def _lambda_error(library: str) -> ModelStoreError:
    return ModelStoreError(
        UNSUPPORTED_TYPE,
        "this model contains a Python lambda (e.g. in a Lambda layer), which Keras loads "
        "only by running the code stored in the file (safe_mode=False), and "
        "jupyterlab-models never does that: replace the lambda with a function or layer "
        f"decorated with @{library}.saving.register_keras_serializable() and save the "
        "model again",
    )


def _unregistered(kind: str, name: str, registered: str, library: str) -> ModelStoreError:
    return ModelStoreError(
        UNSUPPORTED_TYPE,
        f"this model needs the {kind} {registered!r}, which is not registered with Keras in "
        f"this Python: run the code that defines {name}, decorated with "
        f"@{library}.saving.register_keras_serializable() as when the model was saved, "
        "then load it again",
        details={"unregistered": [registered]},
    )
