"""Hugging Face tokenizers and processors (`hf_processor`): a tokenizer
(`PreTrainedTokenizerBase`), an image processor, a feature extractor or a multimodal
processor (`ProcessorMixin`), written by its `save_pretrained` (JSON and vocabulary files)
and loaded by the same class' `from_pretrained(directory, local_files_only=True,
trust_remote_code=False)`.

`extra` holds the class, its kind and, for tokenizers, the vocabulary size and the longest
input (`model_max_length`).
"""

from __future__ import annotations

from typing import Any

from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library
from .hf_common import check_public_class, check_saved, check_stored, class_named
from .versions import distribution_versions

FORMAT_ID = "hf_processor"
LIBRARY = "transformers"
PIP_PACKAGE = "transformers"
MODULES = (LIBRARY,)
# {class path: kind}, a processor before the tokenizer and image processor it holds
KINDS = {
    "transformers.processing_utils.ProcessorMixin": "processor",
    "transformers.tokenization_utils_base.PreTrainedTokenizerBase": "tokenizer",
    "transformers.image_processing_base.ImageProcessingMixin": "image_processor",
    "transformers.feature_extraction_utils.FeatureExtractionMixin": "feature_extractor",
}
TYPES = tuple(KINDS)
# Classes transformers 5 renamed, keeping the old name: {new name: the name in transformers 4}
FORMER_NAMES = {"TokenizersBackend": "PreTrainedTokenizerFast"}


def library_versions() -> dict[str, str]:
    return distribution_versions("transformers", "tokenizers")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    transformers = import_library(LIBRARY, PIP_PACKAGE)
    facts = save_part(transformers, obj, directory)
    return {**facts, "signature": dict(facts)}


def save_part(transformers: Any, obj: Any, directory: str) -> dict[str, Any]:
    """`obj.save_pretrained(directory)`, checked; its facts (also for pipelines)."""
    check_public_class(transformers, type(obj), f"this {type(obj).__name__}")
    obj.save_pretrained(directory)
    check_saved(directory, f"this {type(obj).__name__}")
    facts: dict[str, Any] = {
        "processor_class": type(obj).__name__,
        "kind": kind_of(obj),
    }
    for attribute in ("vocab_size", "model_max_length"):
        value = getattr(obj, attribute, None)
        # model_max_length is a huge int when the tokenizer has no limit
        if isinstance(value, int) and value < 2**53:
            facts[attribute] = value
    return facts


def kind_of(obj: Any) -> str:
    """processor, tokenizer, image_processor or feature_extractor: the first in the MRO."""
    return next(KINDS[p] for p in map(class_path, type(obj).__mro__) if p in KINDS)


def load(files: VersionFiles, info: Any) -> Any:
    transformers = import_library(LIBRARY, PIP_PACKAGE)
    return load_part(
        transformers, files.directory, info.extra.get("processor_class"), f"model {info.name!r}"
    )


def load_part(transformers: Any, directory: str, class_name: Any, what: str) -> Any:
    check_stored(directory, what)
    if isinstance(class_name, str) and not hasattr(transformers, class_name):
        class_name = FORMER_NAMES.get(class_name, class_name)  # saved by 5, loaded by 4
    cls = class_named(transformers, class_name, what)
    return cls.from_pretrained(directory, local_files_only=True, trust_remote_code=False)
