"""Torch through torch.export (`pt2`): one `model.pt2` written by `torch.export.save`.

Chosen explicitly, with example inputs: `store.save(module, name, format_id="pt2",
example_inputs=(x,))` runs `torch.export.export(module, example_inputs)`; a single tensor is
taken as the one argument. By default every dimension of a tensor argument is `Dim.AUTO`:
torch.export keeps it dynamic when the module allows it (a batch size) and fixes it otherwise
(the width a Linear layer needs; also any dimension of size 0 or 1 in the example), so the
loaded module takes other batch sizes like the original; `dynamic_shapes=` (passed to
torch.export) overrides this. `extra["inputs"]` and `extra["outputs"]` record the names,
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
    dynamic_shapes: Any = None,
) -> dict[str, Any]:
    import torch

    extra: dict[str, Any] = {}
    if isinstance(obj, torch.export.ExportedProgram):
        if example_inputs is not None or dynamic_shapes is not None:
            raise ModelStoreError(
                BAD_REQUEST,
                "this ExportedProgram is already exported: save it without example_inputs "
                "and dynamic_shapes",
            )
        program, extra["saved"] = obj, "exported_program"
    else:
        args = _example_args(torch, example_inputs)
        if dynamic_shapes is None:
            auto = torch.export.Dim.AUTO
            dynamic_shapes = tuple(
                {dim: auto for dim in range(arg.dim())} if isinstance(arg, torch.Tensor) else None
                for arg in args
            )
        try:
            program = torch.export.export(obj, args, dynamic_shapes=dynamic_shapes)
        except Exception as exc:
            raise ModelStoreError(
                UNSUPPORTED_TYPE,
                f"torch.export cannot export {class_path(type(obj))} with these example "
                f"inputs: {error_reason(exc)}",
            ) from exc
        extra.update(saved="module", training=obj.training)
    path = os.path.join(directory, MODEL_FILE)
    torch.export.save(program, path)
    problem = _unsafe_entry(torch, path)
    if problem is not None:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"torch.export.save wrote {problem}, which only loads with pickle: remove custom "
            "objects and tensor subclasses from the module, or save it in the 'pt' format",
        )
    signature = program.graph_signature
    extra["inputs"] = _specs(program, signature.user_inputs)
    extra["outputs"] = _specs(program, signature.user_outputs)
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


def _specs(program: Any, names: Any) -> list[dict[str, Any]]:
    """Name, shape and dtype of each graph input or output (from its fake value)."""
    nodes = {node.name: node for node in program.graph.nodes}
    specs = []
    for name in names:
        value = nodes[name].meta.get("val") if name in nodes else None
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            # an int, or a SymInt: "4" when fixed, "s77" when dynamic
            shape = [int(d) if d.isdigit() else d for d in map(str, value.shape)]
            specs.append({"name": name, "shape": shape, "dtype": str(value.dtype)})
        else:  # a constant, a Python scalar...
            specs.append({"name": name, "type": class_path(type(value))})
    return specs


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
    program = torch.export.load(path)
    return program if info.extra.get("saved") == "exported_program" else program.module()
