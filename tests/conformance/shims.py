"""Test-only shim: torchvision imports on this machine's CPU torch.

`make install` puts torchvision in `.make/torchvision`, outside the venv (the package and
transformers must not find it there); `import_torchvision` adds that folder to sys.path.

The torchvision wheel that matches torch 2.13.0 here is a CUDA build whose C operators do not
load with the CPU torch; its import then fails in `torchvision._meta_registrations`, which
registers fake kernels for those operators (nms, roi_align...). Classification models never
call them: an empty module stands in for that one, so `import torchvision` works. Never used
by the package."""

from __future__ import annotations

import sys
import types
from pathlib import Path

TORCHVISION_DIR = Path(__file__).resolve().parents[2] / ".make" / "torchvision"


def import_torchvision():
    if "torchvision" not in sys.modules:
        if TORCHVISION_DIR.is_dir() and str(TORCHVISION_DIR) not in sys.path:
            sys.path.append(str(TORCHVISION_DIR))
        try:
            import torchvision  # noqa: F401  (a CPU build imports as it is)
        except RuntimeError:
            for name in [n for n in sys.modules if n.startswith("torchvision")]:
                del sys.modules[name]
            stub = types.ModuleType("torchvision._meta_registrations")
            sys.modules["torchvision._meta_registrations"] = stub
            import torchvision  # noqa: F401
    return sys.modules["torchvision"]
