"""On-the-fly augmentation in torch: a small random affine (rotation, scale, shift) per image.

What it is: one batched affine_grid + grid_sample call, driven by an explicit generator so a
seed fixes every transform. What it isn't: a data loader (trainer.py indexes tensors in
memory) or anything torchvision; torchvision has no CPU build here.
"""

from __future__ import annotations

import math
import torch
from torch.nn import functional as F


def _uniform(n: int, limit: float, generator: torch.Generator) -> torch.Tensor:
    return (torch.rand(n, generator=generator) * 2 - 1) * limit  # (n,) in [-limit, limit]


def random_affine(
    x: torch.Tensor, rotate_deg: float, scale: float, shift_px: float, generator: torch.Generator
) -> torch.Tensor:
    """x: (N, 1, 28, 28) float in [0, 1] -> the same shape, each image moved a little.

    rotate_deg: max rotation either way (degrees); scale: zoom in [1 - scale, 1 + scale];
    shift_px: max shift either way along each axis (pixels of the 28x28 image).
    """
    n = x.shape[0]
    angle = _uniform(n, math.radians(rotate_deg), generator)
    zoom = 1 + _uniform(n, scale, generator)
    # affine_grid works in [-1, 1] coordinates: one pixel is 2/28.
    shift = torch.stack([_uniform(n, shift_px, generator) for _ in range(2)], 1) * (2 / 28)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
