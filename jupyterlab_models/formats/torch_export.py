"""Torch through torch.export (`pt2`): one `model.pt2` written by `torch.export.save`.

Chosen explicitly, with example inputs: `store.save(module, name, format_id="pt2",
example_inputs=(x,))` runs `torch.export.export(module, example_inputs, example_kwargs)`; a
single tensor is taken as the one argument, and `example_kwargs=` (a dict, e.g.
`{"use_cache": False}`) gives keyword arguments. By default the first dimension of every
tensor argument is `Dim.AUTO` and the others are fixed: torch.export keeps the batch size
dynamic when the module allows it (not when the example's is 0 or 1), so the loaded module
takes other batch sizes like the original; making every dimension dynamic slowed exports from
seconds to minutes. `dynamic_shapes=` (passed to torch.export) overrides this. Output types
that are neither tensors nor tuples, lists or dicts (transformers' ModelOutput) are rebuilt by
their pytree registration: `extra["output_modules"]` names their modules, imported before the
archive is loaded. `extra["inputs"]` and `extra["outputs"]` record the names,
dtypes and shapes (a dynamic dimension is a string such as "s77"): calling the loaded module
with another dtype or a fixed dimension of another size fails. An `ExportedProgram` the user
exported is saved as it is. Loading gives back what was saved: the callable
`ExportedProgram.module()` for a module, the `ExportedProgram` for a program. Neither needs the
class definition.

torch.export.load unpickles some payloads (custom objects, tensor subclasses, and anything its
weights-only loader refuses), so an archive is accepted, after saving and before loading, only
when it holds JSON and raw tensor bytes (and sample inputs that load with weights_only=True).
"""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import zipfile
from typing import Any

from ..protocol import BAD_REQUEST, INTEGRITY, UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library
from .torch import error_reason
from .versions import distribution_versions

FORMAT_ID = "pt2"
LIBRARY = "torch"
PIP_PACKAGE = "torch"
MODULES = (LIBRARY,)
EXPORTED_PROGRAM = "torch.export.exported_program.ExportedProgram"
TYPES = ("torch.nn.modules.module.Module", EXPORTED_PROGRAM)
MODEL_FILE = "model.pt2"
HF_MODEL = "transformers.modeling_utils.PreTrainedModel"
# Entries of a .pt2 archive (below its root folder) that load without unpickling anything.
SAFE_ENTRIES = re.compile(
    r"archive_format|archive_version|byteorder|\.data/version|\.data/serialization_id"
    r"|models/\w+\.json|extra/[^/]+|data/sample_inputs/\w+\.pt"
    r"|data/weights/(weight_\d+|\w+_weights_config\.json)"
    r"|data/constants/(tensor_\d+|\w+_constants_config\.json)"
)


def library_versions() -> dict[str, str]:
    return distribution_versions("torch")


def save(
    obj: Any,
    directory: str,
    *,
    writer: FileWriter = PLAIN_WRITER,
    example_inputs: Any = None,
    example_kwargs: Any = None,
    dynamic_shapes: Any = None,
) -> dict[str, Any]:
    import torch

    extra: dict[str, Any] = {}
    if isinstance(obj, torch.export.ExportedProgram):
        if (example_inputs, example_kwargs, dynamic_shapes) != (None, None, None):
            raise ModelStoreError(
                BAD_REQUEST,
                "this ExportedProgram is already exported: save it without example_inputs, "
                "example_kwargs and dynamic_shapes",
            )
        program, extra["saved"] = obj, "exported_program"
    else:
        args = _example_args(torch, example_inputs)
        kwargs = _example_kwargs(example_kwargs)
        if dynamic_shapes is None:
            dynamic_shapes = _batch_dynamic(torch, obj, args, kwargs)
        try:
            program = torch.export.export(obj, args, kwargs, dynamic_shapes=dynamic_shapes)
        except Exception as exc:
            raise ModelStoreError(
                UNSUPPORTED_TYPE,
                f"torch.export cannot export {class_path(type(obj))} with these example "
                f"inputs: {error_reason(exc)}{_hint(exc, obj)}",
            ) from exc
        extra.update(saved="module", training=obj.training)
    path = os.path.join(directory, MODEL_FILE)
    try:
        torch.export.save(program, path)
    except Exception as exc:  # e.g. an output type registered without a serialized name
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"torch.export.save cannot save the exported program: {error_reason(exc)}. "
            "Register the module's output types with torch.utils._pytree.register_dataclass("
            'cls, serialized_type_name="module.Class"), or return tensors, tuples and dicts',
        ) from exc
    problem = _unsafe_entry(torch, path)
    if problem is not None:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"torch.export.save wrote {problem}, which only loads with pickle: remove custom "
            "objects and tensor subclasses from the module, or save it in the 'pt' format",
        )
    signature = program.graph_signature
    extra["inputs"] = _specs(program, signature.input_specs, "USER_INPUT")
    extra["outputs"] = _specs(program, signature.output_specs, "USER_OUTPUT")
    modules = output_modules(program)
    if modules:
        extra["output_modules"] = modules
    # the card's signature with the shapes of the export (describe() of a module has none)
    extra["signature"] = {**describe(obj), "inputs": extra["inputs"], "outputs": extra["outputs"]}
    return extra


def _example_args(torch: Any, example_inputs: Any) -> tuple[Any, ...]:
    if example_inputs is None:
        raise ModelStoreError(
            BAD_REQUEST,
            'the "pt2" format (torch.export) needs example inputs: pass example_inputs=(x,) '
            "where x is an example input of forward() (a tuple of them for several arguments)",
        )
    if isinstance(example_inputs, torch.Tensor):
        return (example_inputs,)
    if isinstance(example_inputs, tuple):
        return example_inputs
    raise ModelStoreError(
        BAD_REQUEST,
        "example_inputs must be a tensor or a tuple of forward()'s arguments, not "
        f"{class_path(type(example_inputs))}",
    )


def _example_kwargs(example_kwargs: Any) -> dict[str, Any]:
    if example_kwargs is None:
        return {}
    if not isinstance(example_kwargs, dict) or not all(isinstance(k, str) for k in example_kwargs):
        raise ModelStoreError(
            BAD_REQUEST,
            "example_kwargs must be a dict of forward()'s keyword arguments (e.g. "
            '{"use_cache": False}), not ' + class_path(type(example_kwargs)),
        )
    return example_kwargs


def _batch_dynamic(torch: Any, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Dim.AUTO for the first dimension of every tensor (a batch size; torch.export keeps it
    dynamic when the module allows it), every other dimension fixed. Every dimension dynamic
    made exports slow (a Swin-T took minutes instead of seconds)."""

    def spec(value: Any) -> Any:
        if isinstance(value, torch.Tensor) and value.dim() > 0:
            return {0: torch.export.Dim.AUTO}
        return None

    tree_map = torch.utils._pytree.tree_map
    if not kwargs:
        return tuple(tree_map(spec, arg) for arg in args)
    # with keyword arguments, torch.export takes the specs by forward()'s parameter names
    bound = inspect.signature(module.forward).bind(*args, **kwargs).arguments
    return {name: tree_map(spec, value) for name, value in bound.items()}


def _hint(exc: Exception, module: Any) -> str:
    if "Cache" not in str(exc):
        return ""
    hint = (
        ". The module returns a cache object (e.g. transformers' DynamicCache), which "
        'torch.export cannot output: pass example_kwargs={"use_cache": False}'
    )
    if any(class_path(c) == HF_MODEL for c in type(module).__mro__):
        # a transformers model has its own format, which keeps generate() and the config
        hint += ', or save it without format_id="pt2" (the hf_transformers format)'
    return hint


def output_modules(program: Any) -> list[str]:
    """The modules of the output types that are not tuples, lists, dicts or torch's own (e.g.
    transformers' ModelOutput classes): a load imports them first, so that their pytree
    registrations exist."""
    found: set[str] = set()
    pending = [program.call_spec.out_spec] if program.call_spec.out_spec is not None else []
    while pending:
        spec = pending.pop()
        module = getattr(spec.type, "__module__", None) if spec.type is not None else None
        if module and module.split(".")[0] not in ("builtins", "collections", "torch"):
            found.add(module)
        pending.extend(spec.children())
    return sorted(found)


def _specs(program: Any, specs: Any, kind: str) -> list[dict[str, Any]]:
    """Name, shape and dtype of each graph input or output of `kind` (from its fake value); a
    constant argument (e.g. `use_cache=False` given as an example keyword) with its value."""
    nodes = {node.name: node for node in program.graph.nodes}
    described = []
    for spec in specs:
        if spec.kind.name != kind:
            continue
        name = getattr(spec.arg, "name", None)
        if hasattr(spec.arg, "value"):  # a ConstantArgument
            value = spec.arg.value
            entry = {"name": name, "type": class_path(type(value))}
            if value is None or isinstance(value, (bool, int, float, str)):
                entry["value"] = value
            described.append(entry)
            continue
        value = nodes[name].meta.get("val") if name in nodes else None
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            # an int, or a SymInt: "4" when fixed, "s77" when dynamic
            shape = [int(d) if d.isdigit() else d for d in map(str, value.shape)]
            described.append({"name": name, "shape": shape, "dtype": str(value.dtype)})
        else:  # a Python scalar...
            described.append({"name": name, "type": class_path(type(value))})
    return described


def _unsafe_entry(torch: Any, path: str) -> str | None:
    """The first archive entry torch.export.load would unpickle, or None."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        roots = {name.split("/", 1)[0] for name in names}
        for name in names:
            entry = name.split("/", 1)[1] if "/" in name else ""
            if len(roots) != 1 or not SAFE_ENTRIES.fullmatch(entry):
                return f"the entry {name!r}"
            if entry.endswith("_config.json"):
                payloads = json.loads(archive.read(name))["config"]
                if any(meta.get("use_pickle") for meta in payloads.values()):
                    return f"a pickled tensor (see {name!r})"
            elif entry.startswith("data/sample_inputs/"):
                # torch.export.load tries this first and unpickles without it if it fails
                try:
                    torch.load(io.BytesIO(archive.read(name)), weights_only=True)
                except Exception:
                    return f"sample inputs that are not plain tensors ({name!r})"
    return None


def describe(obj: Any) -> dict[str, Any]:
    """Parameter count; inputs and outputs when `obj` is already an ExportedProgram (a module's
    are known only once exported with example inputs: `extra["inputs"]`)."""
    if class_path(type(obj)) == EXPORTED_PROGRAM:
        signature = obj.graph_signature
        return {
            "inputs": _specs(obj, signature.input_specs, "USER_INPUT"),
            "outputs": _specs(obj, signature.output_specs, "USER_OUTPUT"),
            "parameters": sum(p.numel() for p in obj.parameters()),
        }
    return {
        "parameters": sum(p.numel() for p in obj.parameters()),
        "layers": sum(1 for m in obj.modules() if next(m.children(), None) is None),
    }


def load(files: VersionFiles, info: Any) -> Any:
    torch = import_library("torch", PIP_PACKAGE)
    # torch.export.load and the archive check open the file by path: verified first.
    path = os.path.join(files.directory, MODEL_FILE)
    problem = _unsafe_entry(torch, path)
    if problem is not None:
        raise ModelStoreError(
            INTEGRITY,
            f"{path} holds {problem}, which only loads with pickle: jupyterlab-models never "
            "writes such an archive and does not load it",
        )
    for module in info.extra.get("output_modules", ()):
        import_library(module, module.split(".")[0])  # registers the output types
    program = torch.export.load(path)
    return program if info.extra.get("saved") == "exported_program" else program.module()
