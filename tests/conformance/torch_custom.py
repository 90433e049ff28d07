"""Torch modules a user writes: an LSTM, dict outputs, buffers, keyword arguments, a
weight_norm parametrization, and a structured output (a dataclass registered as a pytree, as
transformers registers its ModelOutput). Imported by the cases' builders only: the fresh
process that loads them never imports this module itself."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
        self.head = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class DictOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, 2), nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"a": self.a(x), "b": torch.softmax(self.b(x), dim=-1)}


class Buffers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.arange(4.0))
        self.register_buffer("scale", torch.full((4,), 0.5))
        self.norm = nn.BatchNorm1d(4)
        self.linear = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.norm((x - self.mean) * self.scale))


class Keywords(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor, use_cache: bool = True) -> torch.Tensor:
        y = self.linear(x)
        return y if use_cache else y * 2


def weight_norm_conv() -> nn.Module:
    conv = nn.Sequential(nn.Conv1d(3, 4, 3), nn.ReLU(), nn.Flatten())
    nn.utils.parametrizations.weight_norm(conv[0])
    return conv


@dataclass
class Output:
    logits: torch.Tensor
    hidden: torch.Tensor


# as transformers registers ModelOutput: a serialized name, so that torch.export can save it
torch.utils._pytree.register_dataclass(Output, serialized_type_name=f"{__name__}.Output")


class Structured(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> Output:
        hidden = torch.tanh(self.linear(x))
        return Output(logits=hidden.sum(-1), hidden=hidden)
