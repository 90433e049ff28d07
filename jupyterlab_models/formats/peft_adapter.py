"""PEFT adapters (`peft_adapter`): a `peft.PeftModel` (LoRA and the other adapter types)
stored as its active adapter only (`save_pretrained`: `adapter_model.safetensors` and
`adapter_config.json`) with a reference to its base model, in `extra["base"]`:

- `{"store": {"name", "version"}}`: a model of this store (hf_transformers), given with
  `base="name"` or `base=("name", version)`, or found by itself when the base was saved to or
  loaded from this store in this Python (formats/origins.py). The stored base must be of the
  same class and parameter count as the adapter's base.
- `{"hub_id", "revision"}`: a Hugging Face Hub model, from the adapter's config
  (`base_model_name_or_path`, the base a PEFT model was made on with from_pretrained), or
  given with `base_hub_id=` and `base_revision=`.

Loading rebuilds the base (from the store, else from the local Hugging Face cache with
`local_files_only=True`: nothing is downloaded unless `allow_download=True`; `cache_dir=`
another Hugging Face cache than the default) and applies the
adapter with `PeftModel.from_pretrained`. `merge=True` at save stores the merged model as a
plain hf_transformers model instead (merged in a copy: the user's model is not changed).
"""

from __future__ import annotations

import copy
import os
from typing import Any

from ..protocol import BAD_REQUEST, BASE_MISSING, NOT_FOUND, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from . import origins
from .base import PLAIN_WRITER, OptionError, class_path, import_library
from .hf_common import (
    check_no_remote_code,
    check_public_class,
    check_saved,
    check_stored,
    class_named,
    parameter_bytes,
)
from .hf_transformers import weights_bytes
from .versions import distribution_versions

FORMAT_ID = "peft_adapter"
LIBRARY = "peft"
PIP_PACKAGE = "peft"
MODULES = (LIBRARY,)
TYPES = ("peft.peft_model.PeftModel",)


def library_versions() -> dict[str, str]:
    return distribution_versions("peft", "transformers", "safetensors", "torch")


def substitute(obj: Any, options: dict[str, Any]) -> tuple[Any, str] | None:
    """With merge=True (taken out of `options`): the merged model, saved as hf_transformers."""
    merge = options.pop("merge", False)
    if not isinstance(merge, bool):
        raise OptionError(f"merge must be True or False, not {type(merge).__name__}")
    if not merge:
        return None
    return copy.deepcopy(obj).merge_and_unload(), "hf_transformers"


def save(
    obj: Any,
    directory: str,
    *,
    writer: FileWriter = PLAIN_WRITER,
    store: Any = None,
    base: Any = None,
    base_hub_id: str | None = None,
    base_revision: str | None = None,
) -> dict[str, Any]:
    peft = import_library(LIBRARY, PIP_PACKAGE)
    transformers = import_library("transformers", "transformers")
    name = obj.active_adapter
    config = obj.peft_config[name]
    base_model = obj.get_base_model()
    check_public_class(transformers, type(base_model), "its base model")
    check_no_remote_code(base_model.config)
    adapter = peft.get_peft_model_state_dict(obj, adapter_name=name)
    adapter_parameters = int(sum(t.numel() for t in adapter.values()))
    adapter_state_bytes = int(sum(t.numel() * t.element_size() for t in adapter.values()))
    base_parameters = int(sum(p.numel() for p in obj.parameters())) - adapter_parameters
    if base_hub_id is not None:
        reference = {"hub_id": base_hub_id, "revision": base_revision}
    else:
        reference = _reference(obj, base_model, config, store, base, base_parameters)
    obj.save_pretrained(directory, safe_serialization=True, selected_adapters=[name])
    check_saved(directory, "this adapter")
    adapter_bytes = weights_bytes(directory)
    base_bytes = parameter_bytes(obj) - adapter_state_bytes
    targets = getattr(config, "target_modules", None)
    facts = {
        "base_model": _shown(reference),
        "architecture": type(base_model).__name__,
        "model_type": getattr(base_model.config, "model_type", None),
        "adapter_type": str(getattr(config.peft_type, "value", config.peft_type)),
        "task_type": str(getattr(config.task_type, "value", config.task_type) or "") or None,
        "rank": getattr(config, "r", None),
        "target_modules": sorted(targets) if isinstance(targets, (set, list)) else targets,
        "parameters": adapter_parameters,
        "base_parameters": base_parameters,
        "adapter_bytes": adapter_bytes,
        "base_bytes": base_bytes,
        "size_ratio": round(base_bytes / adapter_bytes, 1) if adapter_bytes else None,
    }
    return {
        **facts,
        "base": reference,
        "base_type": class_path(type(base_model)),
        "adapter_name": name,
        # PEFT saves an adapter not named "default" in a folder of its name
        "adapter_folder": "" if name == "default" else name,
        "signature": {k: v for k, v in facts.items() if v is not None},
    }


def _reference(
    obj: Any, base_model: Any, config: Any, store: Any, base: Any, parameters: int
) -> dict[str, Any]:
    if base is None and store is not None:
        base = origins.origin(base_model, store.location)
    if base is not None:
        if store is None:
            raise OptionError("base= names a model of a store: save with ModelStore.save")
        name, version = (base, None) if isinstance(base, str) else _pair(base)
        info = store.info(name, version)
        if (info.type, info.extra.get("parameters")) != (class_path(type(base_model)), parameters):
            raise ModelStoreError(
                BAD_REQUEST,
                f"model {info.name!r} version {info.version} is a {info.type} of "
                f"{info.extra.get('parameters')} parameters, not this adapter's base (a "
                f"{class_path(type(base_model))} of {parameters} parameters)",
            )
        return {"store": {"name": info.name, "version": info.version}}
    hub_id = getattr(config, "base_model_name_or_path", None)
    if isinstance(hub_id, str) and hub_id and not os.path.exists(hub_id):
        revision = getattr(config, "revision", None) or getattr(
            base_model.config, "_commit_hash", None
        )
        return {"hub_id": hub_id, "revision": revision}
    raise ModelStoreError(
        BASE_MISSING,
        "this adapter's base model is not in the store: save it first, e.g. "
        "store.save(peft_model.get_base_model(), 'my-base') (saved without the adapter), "
        "then save the adapter again; or pass base_hub_id= (and base_revision=) for a "
        "Hugging Face Hub model, or save the merged model with merge=True",
        # The panel offers to save the base first (the save op's `base_name`).
        details={"base_type": class_path(type(base_model)), "base_parameters": parameters},
    )


def _pair(base: Any) -> tuple[str, int]:
    if (
        isinstance(base, tuple)
        and len(base) == 2
        and isinstance(base[0], str)
        and isinstance(base[1], int)
    ):
        return base
    raise OptionError('base must be a model name or a (name, version) pair, e.g. ("base", 1)')


def _shown(reference: dict[str, Any]) -> str:
    if "store" in reference:
        return f"{reference['store']['name']} v{reference['store']['version']}"
    revision = reference.get("revision")
    return f"{reference['hub_id']}@{revision}" if revision else reference["hub_id"]


def load(
    files: VersionFiles,
    info: Any,
    *,
    store: Any = None,
    allow_download: bool = False,
    cache_dir: str | None = None,
) -> Any:
    peft = import_library(LIBRARY, PIP_PACKAGE)
    transformers = import_library("transformers", "transformers")
    what = f"model {info.name!r}"
    base = _load_base(transformers, info, store, allow_download, cache_dir)
    directory = files.directory  # every file verified first
    check_stored(directory, what)
    name = info.extra.get("adapter_name", "default")
    folder = os.path.join(directory, info.extra.get("adapter_folder") or "")
    model = peft.PeftModel.from_pretrained(base, folder, adapter_name=name, is_trainable=False)
    return model.eval()


def _load_base(
    transformers: Any, info: Any, store: Any, allow_download: bool, cache_dir: str | None
) -> Any:
    reference = info.extra.get("base") or {}
    if "store" in reference:
        if store is None:
            raise OptionError("this adapter's base is a model of a store: load it from the store")
        name, version = reference["store"]["name"], reference["store"]["version"]
        try:
            return store.load(name, version)
        except ModelStoreError as exc:
            if exc.code != NOT_FOUND:
                raise
            raise ModelStoreError(
                NOT_FOUND,
                f"model {info.name!r} is an adapter on model {name!r} version {version}, "
                "which is no longer in the store",
            ) from exc
    cls = class_named(transformers, str(info.extra.get("base_type")).rsplit(".", 1)[-1], info.name)
    try:
        return cls.from_pretrained(
            reference.get("hub_id"),
            revision=reference.get("revision") or "main",
            local_files_only=not allow_download,
            cache_dir=cache_dir,
            trust_remote_code=False,
            use_safetensors=True,
        ).eval()
    except OSError as exc:
        raise ModelStoreError(
            NOT_FOUND,
            f"model {info.name!r} is an adapter on {_shown(reference)}, which is not in the "
            "local Hugging Face cache: load it with allow_download=True to download the base "
            f"({exc})",
        ) from exc
