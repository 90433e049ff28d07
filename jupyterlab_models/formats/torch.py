"""Torch (`pt`): TorchScript, one `model.pt` written by `torch.jit.save`.

A module is compiled with `torch.jit.script` (a ScriptModule, scripted or traced by the user,
is saved as it is) and loaded with `torch.jit.load(map_location="cpu")`: the archive holds the
compiled code, so loading needs no class definition. A module TorchScript cannot compile is
refused with the compiler's reason and the way out, the "pt2" format (torch.export); so is a
module with parametrized weights (weight_norm...), which TorchScript compiles into a forward
that always raises, and a module whose forward returns through a `@torch.jit.unused` method
(torchvision's GoogLeNet and Inception3), which TorchScript compiles into another return path:
the loaded module would give other outputs than the one saved.

The module is saved as the user has it, training flag included; the user's object is not
changed. torch 2.13 deprecates TorchScript (it still works): its DeprecationWarnings are
silenced here, since the user did not call TorchScript.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from .base import PLAIN_WRITER, class_path, import_library
from .signature import tensor
from .versions import distribution_versions

FORMAT_ID = "pt"
LIBRARY = "torch"
PIP_PACKAGE = "torch"
MODULES = (LIBRARY,)
TYPES = ("torch.nn.modules.module.Module",)
MODEL_FILE = "model.pt"


def library_versions() -> dict[str, str]:
    return distribution_versions("torch")


def save(obj: Any, directory: str, *, writer: FileWriter = PLAIN_WRITER) -> dict[str, Any]:
    import torch

    already_scripted = isinstance(obj, torch.jit.ScriptModule)
    if not already_scripted:
        _refuse_parametrizations(torch, obj)
        _refuse_unused_returns(torch, obj)
    with _no_deprecation_warnings():
        scripted = obj if already_scripted else _script(torch, obj)
        torch.jit.save(scripted, os.path.join(directory, MODEL_FILE))
    forward = getattr(scripted, "forward", None)
    return {
        "scripted": not already_scripted,  # False: the user's own ScriptModule
        "training": scripted.training,
        "forward": str(forward.schema) if hasattr(forward, "schema") else None,
        "parameters": sum(p.numel() for p in scripted.parameters()),
    }


def _refuse_parametrizations(torch: Any, module: Any) -> None:
    """TorchScript compiles a parametrized module (weight_norm, spectral_norm, orthogonal...)
    but its forward then raises at every call: refused before anything is written."""
    parametrized = [
        name or "the module"
        for name, sub in module.named_modules()
        if torch.nn.utils.parametrize.is_parametrized(sub)
    ]
    if parametrized:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"{class_path(type(module))} has parametrized weights (e.g. weight_norm) in "
            f"{', '.join(parametrized[:3])}, which TorchScript compiles but cannot run. Save it "
            'with torch.export instead: format_id="pt2", example_inputs=(x,); or remove them '
            "first: torch.nn.utils.parametrize.remove_parametrizations(module, 'weight')",
        )


def _refuse_unused_returns(torch: Any, module: Any) -> None:
    """TorchScript replaces a `@torch.jit.unused` method with one that raises, so a forward that
    returns through one (`return self.eager_outputs(x)` beside an `is_scripting()` branch)
    compiles into a module that returns something else: refused before anything is written."""
    unused = getattr(getattr(torch, "_jit_internal", None), "FunctionModifiers", None)
    if unused is None:
        return
    for cls in {type(sub) for sub in module.modules()}:
        for name in _returned_self_calls(cls.forward):
            method = getattr(cls, name, None)
            if getattr(method, "_torchscript_modifier", None) == unused.UNUSED:
                raise ModelStoreError(
                    UNSUPPORTED_TYPE,
                    f"{class_path(cls)}.forward returns through {name}(), which TorchScript "
                    "leaves out (@torch.jit.unused): the saved module would return something "
                    'else than this one. Save it with torch.export instead: format_id="pt2", '
                    "example_inputs=(x,)",
                )


def _returned_self_calls(function: Any) -> list[str]:
    """Names of the `self.<name>(...)` calls that `function`'s source returns ([] without
    source)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    return [
        node.value.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and isinstance(node.value.func.value, ast.Name)
        and node.value.func.value.id == "self"
    ]


def _script(torch: Any, module: Any) -> Any:
    try:
        return torch.jit.script(module)
    except Exception as exc:  # the compiler raises FrontendError, RuntimeError, OSError...
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            f"TorchScript cannot compile {class_path(type(module))}: {error_reason(exc)}. Save it "
            'with torch.export instead: format_id="pt2", example_inputs=(x,) where x is an '
            "example input of forward() (a tuple of them for several arguments)",
        ) from exc


def error_reason(exc: Exception) -> str:
    """The first line of a compiler's (or exporter's) error, with the source line it points
    at when it names one."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    where = next((line for line in lines[1:] if line.startswith('File "')), None)
    first = lines[0].rstrip(":")
    return f"{first} ({where})" if where else first


@contextmanager
def _no_deprecation_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"`torch\.jit\.\w+` is deprecated", category=DeprecationWarning
        )
        yield


def describe(obj: Any) -> dict[str, Any]:
    """Parameter count, leaf layers and, for a ScriptModule, forward's typed arguments."""
    forward = getattr(obj, "forward", None)
    schema = getattr(forward, "schema", None)
    inputs = (
        [tensor(arg.name, None, arg.type) for arg in schema.arguments[1:]]
        if schema is not None
        else None
    )
    return {
        "inputs": inputs,
        "parameters": sum(p.numel() for p in obj.parameters()),
        "layers": sum(1 for m in obj.modules() if next(m.children(), None) is None),
    }


def load(files: VersionFiles, info: Any) -> Any:
    torch = import_library("torch", PIP_PACKAGE)
    # By path: torch.jit.load of a buffer copies it three times (10x slower here); the path
    # opens the very file that was verified (verified.py).
    path = files.path(MODEL_FILE)
    with _no_deprecation_warnings():
        return torch.jit.load(path, map_location="cpu")
