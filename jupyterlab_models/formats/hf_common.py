"""What the Hugging Face formats share (hf_transformers, hf_processor, hf_pipeline,
peft_adapter): the files they accept, the classes they load, the facts of a model.

Safety: only safetensors weights and text files (JSON, vocabularies, sentencepiece protobufs,
chat templates) are written or read; a `pytorch_model.bin` or any other pickle is refused, at
save and at load. A class is saved only when transformers itself exports it under its name:
a class that needs remote code (`trust_remote_code`) or the user's own subclass could not be
loaded without running code that is not in transformers, and is refused.
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import INTEGRITY, UNSUPPORTED_TYPE, ModelStoreError
from .base import class_path

LIBRARY = "transformers"
PIP_PACKAGE = "transformers"
# Suffixes of the files save_pretrained writes that load without running code.
SAFE_SUFFIXES = (".safetensors", ".json", ".txt", ".model", ".jinja", ".tiktoken", ".md")


def unsafe_files(directory: str) -> list[str]:
    """Relative paths of the files under `directory` that are not safetensors or text."""
    found = []
    for root, _dirs, names in os.walk(directory):
        for name in names:
            if not name.endswith(SAFE_SUFFIXES):
                found.append(os.path.relpath(os.path.join(root, name), directory))
    return sorted(found)


def check_saved(directory: str, what: str) -> None:
    """Refuse what save_pretrained wrote when it is not safetensors and text only."""
    unsafe = unsafe_files(directory)
    if unsafe:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"saving {what} wrote {', '.join(unsafe[:3])}, which is neither safetensors nor "
            "text (a pickle, e.g. pytorch_model.bin, runs code when loaded): jupyterlab-models "
            "stores safetensors only",
        )


def check_stored(directory: str, what: str) -> None:
    """Refuse to load a version holding anything but safetensors and text (never written
    here: someone put it there)."""
    unsafe = unsafe_files(directory)
    if unsafe:
        raise ModelStoreError(
            INTEGRITY,
            f"{what} holds {', '.join(unsafe[:3])}, which is neither safetensors nor text: "
            "jupyterlab-models never writes such a file and does not load it",
        )


def check_public_class(transformers: Any, cls: type, what: str) -> None:
    """Refuse a class that transformers does not export under its own name."""
    if getattr(transformers, cls.__name__, None) is not cls:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"{class_path(cls)} is not a class of transformers (remote code loaded with "
            f"trust_remote_code, or a subclass of your own): loading {what} would need that "
            "code, and jupyterlab-models never runs code from a model's files. Use a class that "
            'transformers provides, or save its torch module with format_id="pt2"',
        )


def check_no_remote_code(config: Any) -> None:
    """A config with an `auto_map` points at code in the model's repository."""
    if getattr(config, "auto_map", None):
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            "this model's config names remote code (auto_map), which only loads with "
            "trust_remote_code=True, and jupyterlab-models never runs code from a model's "
            "files: use an architecture that transformers provides",
        )


def class_named(transformers: Any, name: Any, what: str) -> type:
    """The transformers class a manifest names (only transformers' own exports)."""
    cls = getattr(transformers, name, None) if isinstance(name, str) else None
    if not isinstance(cls, type):
        raise ModelStoreError(
            INTEGRITY,
            f"{what} names the class {name!r}, which this transformers does not provide "
            "(saved with another version of transformers?)",
        )
    return cls


def model_facts(model: Any, wrapped: dict[str, Any] | None = None) -> dict[str, Any]:
    """Architecture, model type, parameter count and dtype of a PreTrainedModel; with the
    layers that get_peft_model replaced in it (`wrapped`), its count before."""
    config = model.config
    if wrapped:
        parameters = sum(
            p.numel() for n, p in model.named_parameters() if original_key(n, wrapped) is not None
        )
    else:
        parameters = sum(p.numel() for p in model.parameters())
    facts = {
        "architecture": type(model).__name__,
        "model_type": getattr(config, "model_type", None) or None,
        "parameters": int(parameters),
        "dtype": str(model.dtype).replace("torch.", ""),
    }
    vocab_size = getattr(config, "vocab_size", None)
    if isinstance(vocab_size, int):
        facts["vocab_size"] = vocab_size
    return facts


def parameter_bytes(model: Any) -> int:
    return int(sum(p.numel() * p.element_size() for p in model.parameters()))


def original_key(key: str, wrapped: dict[str, Any]) -> str | None:
    """The name a weight had before get_peft_model replaced the layers in `wrapped` (PEFT's,
    each holding the original as `base_layer`, or `original_module` for a trained copy), or
    None for an adapter's own weight."""
    owner = max((n for n in wrapped if key.startswith(n + ".")), key=len, default=None)
    if owner is None:
        return key
    rest = key[len(owner) + 1 :]
    for inner in ("base_layer.", "original_module."):
        if rest.startswith(inner):
            return f"{owner}.{rest[len(inner) :]}"
    return None


def peft_layers(model: Any) -> dict[str, Any]:
    """The layers of `model` that get_peft_model replaced, by name."""
    return {n: m for n, m in model.named_modules() if type(m).__module__.startswith("peft.")}
