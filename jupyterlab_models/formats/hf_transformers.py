"""Hugging Face transformers models (`hf_transformers`): a `PreTrainedModel` of any
architecture, written by `save_pretrained` (safetensors weights, sharded when large, with
`config.json` and `generation_config.json`) and loaded by the same class'
`from_pretrained(directory, local_files_only=True, trust_remote_code=False,
use_safetensors=True)`: nothing is downloaded and no code from the files runs.

`extra` holds the architecture, the config's model type, the parameter count and dtype, and
the same as `extra["signature"]` for the model card. A model that `get_peft_model` wrapped
(its layers replaced by PEFT's, which hold the original ones) is saved as it was before: its
own weights, without the adapter's (the base of an adapter saved after it); refused when an
adapter is merged into those weights. Loading fails with `integrity` when the stored weights do
not fill the model (missing, unexpected or mis-shaped tensors): transformers would otherwise
initialise them at random and only log a warning. The buffers save_pretrained leaves out
(a rotary `inv_freq`) are cast back to the dtype they had when the model was cast, e.g. with
`model.to(torch.bfloat16)` (`extra["buffer_dtypes"]`): from_pretrained rebuilds them in float32.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from ..protocol import INTEGRITY, UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library
from .hf_common import (
    check_no_remote_code,
    check_public_class,
    check_saved,
    check_stored,
    class_named,
    model_facts,
    original_key,
    peft_layers,
)
from .versions import distribution_versions

FORMAT_ID = "hf_transformers"
LIBRARY = "transformers"
PIP_PACKAGE = "transformers"
MODULES = (LIBRARY,)
TYPES = ("transformers.modeling_utils.PreTrainedModel",)
# The store remembers which of its models an object was saved as or loaded from, so that an
# adapter made on it finds its base (peft_adapter.py, origins.py).
KEEPS_ORIGIN = True


def library_versions() -> dict[str, str]:
    return distribution_versions("transformers", "safetensors", "torch")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    transformers = import_library(LIBRARY, PIP_PACKAGE)
    buffers = save_model(transformers, obj, directory)
    facts = model_facts(obj, peft_layers(obj))
    return {**facts, "signature": dict(facts), **({"buffer_dtypes": buffers} if buffers else {})}


def save_model(transformers: Any, model: Any, directory: str) -> dict[str, str]:
    """`model.save_pretrained` into `directory`, safetensors only (also for pipelines); returns
    the dtypes of the buffers it leaves out, for `load_model` (see `unsaved_buffers`)."""
    check_public_class(transformers, type(model), "this model")
    check_no_remote_code(model.config)
    options: dict[str, Any] = {}
    if "safe_serialization" in inspect.signature(model.save_pretrained).parameters:
        options["safe_serialization"] = True  # transformers 4; 5 writes safetensors only
    wrapped = peft_layers(model)
    if wrapped:
        options["state_dict"] = _without_adapters(model, wrapped)
    model.save_pretrained(directory, **options)
    check_saved(directory, f"this {type(model).__name__}")
    return unsaved_buffers(model, wrapped)


def unsaved_buffers(model: Any, wrapped: dict[str, Any]) -> dict[str, str]:
    """The dtypes of the floating buffers save_pretrained leaves out (non-persistent, e.g. a
    rotary `inv_freq`), when the model is not all float32: from_pretrained rebuilds them in
    float32, while `model.to(torch.bfloat16)` had cast them, and the loaded model would
    compute other logits. Empty for a float32 model (nothing to restore)."""
    saved = set(model.state_dict())
    dtypes = {
        original_key(name, wrapped): str(buffer.dtype).replace("torch.", "")
        for name, buffer in model.named_buffers()
        if buffer.is_floating_point() and name not in saved
    }
    dtypes.pop(None, None)  # an adapter's own buffer
    if set(dtypes.values()) | {str(model.dtype).replace("torch.", "")} == {"float32"}:
        return {}
    return dtypes


def _without_adapters(model: Any, wrapped: dict[str, Any]) -> dict[str, Any]:
    """The state dict `model` had before get_peft_model (its adapters' weights left out)."""
    for name, module in wrapped.items():
        if getattr(module, "merged", False) is True:
            raise ModelStoreError(
                UNSUPPORTED_TYPE,
                f"an adapter is merged into this {type(model).__name__}'s weights ({name}): "
                "save the PeftModel with merge=True for the merged model, or call "
                "unmerge_adapter() first to save the base",
            )
    originals = ((original_key(k, wrapped), v) for k, v in model.state_dict().items())
    return {key: value for key, value in originals if key is not None}


def load(files: VersionFiles, info: Any) -> Any:
    transformers = import_library(LIBRARY, PIP_PACKAGE)
    # from_pretrained opens its files by path: every file verified first (verified.py).
    model = load_model(transformers, files.directory, info.type, f"model {info.name!r}")
    return restore_buffers(model, info.extra.get("buffer_dtypes"))


def restore_buffers(model: Any, dtypes: Any) -> Any:
    """The unsaved buffers cast back to the dtypes they had at save (`unsaved_buffers`)."""
    import torch

    for name, dtype in (dtypes if isinstance(dtypes, dict) else {}).items():
        owner, _, attribute = str(name).rpartition(".")
        try:
            buffers = dict(model.get_submodule(owner).named_buffers(recurse=False))
        except AttributeError:  # saved by another version of transformers: left as loaded
            continue
        wanted = getattr(torch, str(dtype), None)
        buffer = buffers.get(attribute)
        if buffer is not None and isinstance(wanted, torch.dtype) and buffer.dtype != wanted:
            model.get_submodule(owner).register_buffer(
                attribute, buffer.to(wanted), persistent=False
            )
    return model


def load_model(transformers: Any, directory: str, type_path: str, what: str) -> Any:
    """The model saved by `save_model` in `directory`, of the class `type_path`."""
    check_stored(directory, what)
    cls = class_named(transformers, type_path.rsplit(".", 1)[-1], what)
    if class_path(cls) != type_path:
        raise ModelStoreError(
            INTEGRITY, f"{what} is a {type_path}, which this transformers does not provide"
        )
    in_memory = private_weights(cls.from_pretrained)
    model, loading = cls.from_pretrained(
        directory,
        local_files_only=True,
        trust_remote_code=False,
        use_safetensors=True,
        output_loading_info=True,
        **in_memory,
    )
    problems = {key: value for key, value in loading.items() if value and key != "error_msgs"}
    problems.update({"errors": loading["error_msgs"]} if loading.get("error_msgs") else {})
    if problems:
        shown = "; ".join(f"{k}: {', '.join(map(str, sorted(v)[:3]))}" for k, v in problems.items())
        raise ModelStoreError(
            INTEGRITY,
            f"{what}: its weights do not fill a {cls.__name__} ({shown}); transformers would "
            "fill the rest at random",
        )
    if not in_memory:
        copy_weights(model)
    model.eval()
    return model


def private_weights(from_pretrained: Any) -> dict[str, Any]:
    """Weights read into memory, not mapped from the store's file: by default transformers
    maps the safetensors file, so the loaded model would keep reading the file after it was
    verified, and a change to the file in place would change the model. transformers 5 has
    `disable_mmap`; transformers 4 has none (load_model copies the weights after the load)."""
    parameters = inspect.signature(from_pretrained).parameters
    return {"disable_mmap": True} if "disable_mmap" in parameters else {}


def copy_weights(model: Any) -> None:
    """Give every parameter and buffer of `model` memory of its own (no longer the mapped
    file); tied weights stay tied (one Parameter, copied once)."""
    for tensor in [*model.parameters(), *model.buffers()]:
        tensor.data = tensor.data.clone()


def weights_bytes(directory: str) -> int:
    """The size of the safetensors files under `directory`."""
    total = 0
    for root, _dirs, names in os.walk(directory):
        total += sum(
            os.path.getsize(os.path.join(root, n)) for n in names if n.endswith(".safetensors")
        )
    return total
