"""Test-only: transformers imports torchvision when it is installed, and on this machine the
torchvision wheel that matches the CPU torch 2.13.0 is a CUDA build (`+cu130`) whose C
operators do not load: its `_meta_registrations` then fails (`torchvision::nms does not
exist`) and so does `import transformers`. An empty module stands in for that one (it only
registers fake kernels of detection operators that no test calls).

Applied only when torchvision is a CUDA build and torch is not, decided from their version
files (nothing imported). The pytest process applies it in tests/conftest.py, child Pythons
through sitecustomize.py beside it (this folder is on their PYTHONPATH: support/env.py; the
Galata server's kernels: ui-tests/jupyter_server_test_config.py). Standard library only, so
that it runs in any Python, even one without this package. The package never uses it: a user
with matching builds needs nothing."""

from __future__ import annotations

import importlib.util
import os
import sys
import types

STUBBED = "torchvision._meta_registrations"


def _version_file(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return ""
    path = os.path.join(list(spec.submodule_search_locations)[0], "version.py")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def needed() -> bool:
    vision = _version_file("torchvision")
    return "+cu" in vision and "+cu" not in _version_file("torch")


def install() -> None:
    if "torchvision" not in sys.modules and needed():
        sys.modules.setdefault(STUBBED, types.ModuleType(STUBBED))
