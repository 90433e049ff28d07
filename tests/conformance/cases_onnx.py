"""ONNX: every model of the onnx package's own backend test data (onnx/backend/test/data)
that onnx.checker accepts; compared by the serialized proto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import Case, NotApplicable, digest

SUBSET = {"light_resnet50.onnx", "test_Conv2d", "test_operator_add_broadcast"}


def _files() -> list[Path]:
    import importlib.util

    spec = importlib.util.find_spec("onnx")
    root = Path(spec.origin).parent / "backend" / "test" / "data"
    return sorted(p for p in root.rglob("*.onnx"))


def _build(path: Path) -> Any:
    import onnx

    model = onnx.load(str(path))
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise NotApplicable(f"onnx.checker refuses it: {str(exc).splitlines()[0]}") from None
    return model, {}


def _proto(model: Any) -> str:
    return digest(model.SerializeToString())


def cases() -> list[Case]:
    out = []
    for path in _files():
        label = path.name if path.parent.name in ("light",) else path.parent.name
        case_id = (
            f"{path.parent.parent.name}/{label}" if label == path.parent.name else f"light/{label}"
        )
        out.append(Case(case_id, lambda p=path: _build(p), _proto, subset=label in SUBSET))
    return out
