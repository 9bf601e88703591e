"""The report's CNN, unchanged: 2 conv + 2 max-pool + 2 fully connected layers, 194,474 weights.

What it is: the network of the original experiment report, taking plain [0, 1] pixels and
applying the MNIST normalisation itself, so the exported graph carries it too.
What it isn't: the training recipe (trainer.py) or any change of architecture; dropout is a
training-time regulariser with no weights, identity in eval mode and in the exported graph.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from mnist_edge.contract import MNIST_MEAN, MNIST_STD

ARCH = "report-cnn-v1"  # checkpoints of any other architecture are refused by export
PARAMETER_COUNT = 194_474


class ReportCNN(nn.Module):
    def __init__(self, dropout: float = 0.0, mean: float = MNIST_MEAN, std: float = MNIST_STD):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=2, stride=1)  # 160 weights
        self.conv2 = nn.Conv2d(16, 32, kernel_size=4)  # 8,224 weights
        self.fc1 = nn.Linear(6 * 6 * 32, 160)  # 184,480 weights
        self.fc2 = nn.Linear(160, 10)  # 1,610 weights
        self.dropout = nn.Dropout(dropout)
        # Normalisation constants are buffers, not weights: they travel into the ONNX graph
        # but stay out of the state_dict, which holds exactly the report's parameters.
        self.register_buffer("mean", torch.tensor(mean), persistent=False)
        self.register_buffer("std", torch.tensor(std), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, 1, 28, 28) float32 in [0, 1], white digit on black
        x = (x - self.mean) / self.std
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (N, 16, 30, 30) -> (N, 16, 15, 15)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (N, 32, 12, 12) -> (N, 32, 6, 6)
        x = torch.flatten(x, 1)  # (N, 1152)
        x = F.relu(self.fc1(self.dropout(x)))  # (N, 160)
        return self.fc2(self.dropout(x))  # (N, 10) logits for digits 0-9


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
