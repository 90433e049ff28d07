"""A user-defined torch module, in a module of its own: formats/test_fresh_process.py checks
that a fresh process loads it, saved as `pt` and as `pt2`, without this module (its class
definition) ever being imported there. formats/test_torch_format.py uses it too."""

from __future__ import annotations

import torch
from torch import nn


class Net(nn.Module):
    """A user-defined subclass: submodules, a buffer, dropout, a helper method."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.out = nn.Linear(8, 3)
        self.dropout = nn.Dropout(0.25)
        self.register_buffer("scale", torch.tensor(2.0))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.hidden(x)) * self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.dropout(self.features(x)))
