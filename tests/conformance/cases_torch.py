"""PyTorch: torchvision.models architectures (weights=None) through `pt` (TorchScript) and
`pt2` (torch.export with example_inputs=), and user modules: LSTM, dict outputs, buffers,
keyword example inputs, a weight_norm parametrization, a structured (dataclass) output."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Case, rng, to_json

# name: (keyword arguments, in the subset)
VISION = {
    "resnet18": ({}, True),
    "mobilenet_v3_small": ({}, False),
    "efficientnet_b0": ({}, False),
    "densenet121": ({}, False),
    "squeezenet1_1": ({}, False),
    "shufflenet_v2_x0_5": ({}, False),
    "mnasnet0_5": ({}, False),
    "regnet_x_400mf": ({}, False),
    "convnext_tiny": ({}, False),
    "googlenet": ({}, False),
    "alexnet": ({}, False),
    "vit_b_32": ({"image_size": 64}, False),
    "swin_t": ({}, False),
}


def _tensor(*shape: int, seed: int = 0) -> Any:
    import torch

    return torch.from_numpy(rng(seed).normal(size=shape).astype(np.float32))


def _vision(name: str, kwargs: dict, format_id: str) -> Any:
    import torch

    from .shims import import_torchvision

    models = import_torchvision().models
    torch.manual_seed(0)
    model = getattr(models, name)(weights=None, num_classes=10, **kwargs).eval()
    if format_id == "pt":
        return model, {}
    return model, {"format_id": "pt2", "example_inputs": (_tensor(2, 3, 64, 64, seed=1),)}


def _run(*shape: int, **kwargs: Any) -> Any:
    def outputs(model: Any) -> Any:
        import torch

        with torch.no_grad():
            out = model(_tensor(*shape, seed=2), **kwargs)
        if hasattr(out, "logits") and hasattr(out, "hidden"):  # the dataclass output
            out = {"logits": out.logits, "hidden": out.hidden}
        return to_json(out)

    return outputs


def _user(cls: str, example: tuple, format_id: str, **options: Any) -> Any:
    import torch

    from . import torch_custom

    torch.manual_seed(0)
    module = getattr(torch_custom, cls)().eval()
    if format_id == "pt":
        return module, {}
    return module, {"format_id": "pt2", "example_inputs": example, **options}


def _weight_norm(format_id: str) -> Any:
    import torch

    from . import torch_custom

    torch.manual_seed(0)
    module = torch_custom.weight_norm_conv().eval()
    if format_id == "pt":
        return module, {}
    return module, {"format_id": "pt2", "example_inputs": (_tensor(2, 3, 6),)}


def cases() -> list[Case]:
    out = []
    for name, (kwargs, subset) in VISION.items():
        for fmt in ("pt", "pt2"):
            out.append(
                Case(
                    f"torchvision.models.{name} ({fmt})",
                    lambda n=name, k=kwargs, f=fmt: _vision(n, k, f),
                    _run(3, 3, 64, 64),
                    rtol=1e-4,
                    atol=1e-5,
                    same_class=False,
                    subset=subset,
                )
            )
    users = [
        ("LSTM", "Recurrent", (_tensor(2, 5, 3),), _run(3, 5, 3), {}, True),
        ("dict outputs", "DictOut", (_tensor(2, 4),), _run(3, 4), {}, False),
        ("buffers", "Buffers", (_tensor(2, 4),), _run(3, 4), {}, False),
    ]
    for label, cls, example, outputs, options, subset in users:
        for fmt in ("pt", "pt2"):
            out.append(
                Case(
                    f"{label} ({fmt})",
                    lambda c=cls, e=example, f=fmt, o=options: _user(c, e, f, **o),
                    outputs,
                    same_class=False,
                    subset=subset,
                )
            )
    out.append(
        Case(
            "keyword example inputs use_cache=False (pt2)",
            lambda: _user("Keywords", (_tensor(2, 4),), "pt2", example_kwargs={"use_cache": False}),
            _run(3, 4, use_cache=False),
            same_class=False,
            subset=True,
        )
    )
    out.append(  # TorchScript has no dataclasses: pt2 only, as for transformers' ModelOutput
        Case(
            "structured output, a registered dataclass (pt2)",
            lambda: _user("Structured", (_tensor(2, 4),), "pt2"),
            _run(3, 4),
            same_class=False,
            subset=True,
        )
    )
    for fmt in ("pt", "pt2"):
        out.append(
            Case(
                f"weight_norm parametrization ({fmt})",
                lambda f=fmt: _weight_norm(f),
                _run(3, 3, 6),
                same_class=False,
                subset=True,
            )
        )
    return out
