"""TensorFlow (`tf_pure`): a SavedModel directory, `saved_model/`, via `tf.saved_model.save`.

Accepts a `tf.Module` (subclasses included) or a `tf.train.Checkpoint`, both trackable.
`tf.saved_model.load` gives back a restored object, not the Python class: it has the same
variables and sub-modules, and the `tf.function`s that have an `input_signature` or were
called before saving (those are traced into the SavedModel; `extra["functions"]` names the
callable ones at the top level). No class definition is needed to load it.

Keras models are not SavedModels here: they are saved as `.keras` archives (format tf_keras).
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library
from .versions import distribution_versions

FORMAT_ID = "tf_pure"
LIBRARY = "tensorflow"
PIP_PACKAGE = "tensorflow-cpu"
MODULES = (LIBRARY,)
TYPES = (
    "tensorflow.python.module.module.Module",
    "tensorflow.python.checkpoint.checkpoint.Checkpoint",
)
# A tf_keras model is a tf.Module too; Keras 3 models are not.
KERAS_MODELS = ("tf_keras.src.engine.training.Model", "keras.src.models.model.Model")
SAVED_MODEL_DIR = "saved_model"


def library_versions() -> dict[str, str]:
    # "tensorflow-cpu" is the same library as "tensorflow": recorded under one name so that
    # versions compare across the two.
    found = distribution_versions("tensorflow", "tensorflow-cpu")
    library = {"tensorflow": found.get("tensorflow") or found["tensorflow-cpu"]} if found else {}
    return {**library, **distribution_versions("numpy")}


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    if any(class_path(cls) in KERAS_MODELS for cls in type(obj).__mro__):
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            "this is a Keras model: it is saved as a .keras archive (format tf_keras), "
            "not as a TensorFlow SavedModel",
        )
    tf = import_library("tensorflow", PIP_PACKAGE)
    functions = _callable_functions(tf, obj)
    tf.saved_model.save(obj, os.path.join(directory, SAVED_MODEL_DIR))
    return {"functions": functions}


def _callable_functions(tf: Any, obj: Any) -> list[str]:
    """Names of the object's tf.functions that will be callable after loading. Looks only at
    class attributes and the instance dict, so that no property is evaluated."""
    attributes: dict[str, Any] = {}
    for cls in reversed(type(obj).__mro__):
        attributes.update(vars(cls))
    attributes.update(getattr(obj, "__dict__", {}))
    found = []
    for name, value in sorted(attributes.items()):
        if not isinstance(value, tf.types.experimental.PolymorphicFunction):
            continue
        function = getattr(obj, name)  # bound to obj: a method's traces are kept per instance
        if function.input_signature is not None or function.experimental_get_tracing_count():
            found.append(name)
    return found


def describe(obj: Any) -> dict[str, Any]:
    """How many variables the module tracks and their total size."""
    variables = list(obj.variables)
    return {
        "parameters": sum(int(v.shape.num_elements() or 0) for v in variables),
        "variables": len(variables),
    }


def load(files: VersionFiles, info: Any) -> Any:
    tf = import_library("tensorflow", PIP_PACKAGE)
    # A SavedModel is a directory read by path: every file verified first (verified.py).
    return tf.saved_model.load(os.path.join(files.directory, SAVED_MODEL_DIR))
