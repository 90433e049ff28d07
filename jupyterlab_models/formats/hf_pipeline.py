"""Hugging Face pipelines (`hf_pipeline`): a `transformers.Pipeline`, stored as its model
(`model/`, as hf_transformers stores one) and each of its tokenizer, image processor, feature
extractor and processor (one folder each, as hf_processor stores them), with its task. Loaded
as `transformers.pipeline(task, model=..., tokenizer=..., ..., pipeline_class=...)` from the
loaded parts: the same task, the same outputs.

`extra` holds the task, the pipeline class, the parts' classes and the model's facts
(architecture, parameters, dtype), also in `extra["signature"]`.
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import INTEGRITY, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, import_library
from .hf_common import check_public_class, class_named, model_facts
from .hf_processor import load_part, save_part
from .hf_transformers import load_model, restore_buffers, save_model
from .versions import distribution_versions

FORMAT_ID = "hf_pipeline"
LIBRARY = "transformers"
PIP_PACKAGE = "transformers"
MODULES = (LIBRARY,)
TYPES = ("transformers.pipelines.base.Pipeline",)
MODEL_FOLDER = "model"
# The parts of a pipeline besides its model, each the keyword of transformers.pipeline().
PARTS = ("tokenizer", "image_processor", "feature_extractor", "processor")


def library_versions() -> dict[str, str]:
    return distribution_versions("transformers", "tokenizers", "safetensors", "torch")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    transformers = import_library(LIBRARY, PIP_PACKAGE)
    check_public_class(transformers, type(obj), "this pipeline")
    model = obj.model
    buffers = save_model(transformers, model, os.path.join(directory, MODEL_FOLDER))
    parts = {}
    for part in PARTS:
        value = getattr(obj, part, None)
        if value is not None:
            save_part(transformers, value, os.path.join(directory, part))
            parts[part] = type(value).__name__
    facts = {"task": obj.task, **model_facts(model)}
    return {
        **facts,
        "pipeline_class": type(obj).__name__,
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "parts": parts,
        "signature": {**facts, **{part: name for part, name in parts.items()}},
        **({"buffer_dtypes": buffers} if buffers else {}),
    }


def load(files: VersionFiles, info: Any) -> Any:
    transformers = import_library(LIBRARY, PIP_PACKAGE)
    what = f"model {info.name!r}"
    directory = files.directory  # every file verified first
    extra = info.extra
    parts = extra.get("parts")
    if not isinstance(parts, dict) or not set(parts) <= set(PARTS):
        raise ModelStoreError(INTEGRITY, f"{what}: its manifest lists no valid pipeline parts")
    model_dir = os.path.join(directory, MODEL_FOLDER)
    loaded = {
        part: load_part(transformers, os.path.join(directory, part), name, what)
        for part, name in parts.items()
    }
    model = load_model(transformers, model_dir, str(extra.get("model_class")), what)
    return transformers.pipeline(
        extra.get("task"),
        model=restore_buffers(model, extra.get("buffer_dtypes")),
        pipeline_class=class_named(transformers, extra.get("pipeline_class"), what),
        **loaded,
    )
