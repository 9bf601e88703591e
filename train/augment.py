"""On-the-fly augmentation in torch: a small random affine (rotation, scale, shift) per image,
plus an elastic distortion (Simard et al. 2003: a random displacement field, smoothed).

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


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = math.ceil(3 * sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()  # (2 * radius + 1,)


def elastic_field(n: int, alpha: float, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """A smooth random displacement field, (n, 28, 28, 2) in grid_sample's [-1, 1] units.

    alpha scales it (pixels per unit of smoothed noise); sigma is the smoothing (pixels).
    alpha=24, sigma=4 moves pixels by about 0.7 px on average, at most about 4 px.
    """
    noise = torch.rand(n * 2, 1, 28, 28, generator=generator) * 2 - 1  # (2n, 1, 28, 28)
    k = _gaussian_kernel(sigma)
    r = len(k) // 2
    smooth = F.conv2d(noise, k.view(1, 1, 1, -1), padding=(0, r))  # separable blur: rows
    smooth = F.conv2d(smooth, k.view(1, 1, -1, 1), padding=(r, 0))  # then columns
    return smooth.view(n, 2, 28, 28).permute(0, 2, 3, 1) * alpha * (2 / 28)


def random_affine(
    x: torch.Tensor, rotate_deg: float, scale: float, shift_px: float, generator: torch.Generator,
    elastic_alpha: float = 0.0, elastic_sigma: float = 4.0,
) -> torch.Tensor:
    """x: (N, 1, 28, 28) float in [0, 1] -> the same shape, each image moved a little.

    rotate_deg: max rotation either way (degrees); scale: zoom in [1 - scale, 1 + scale];
    shift_px: max shift either way along each axis (pixels of the 28x28 image);
    elastic_alpha > 0 adds an elastic distortion (see elastic_field).
    """
    n = x.shape[0]
    angle = _uniform(n, math.radians(rotate_deg), generator)
    zoom = 1 + _uniform(n, scale, generator)
    # affine_grid works in [-1, 1] coordinates: one pixel is 2/28.
    shift = torch.stack([_uniform(n, shift_px, generator) for _ in range(2)], 1) * (2 / 28)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta, [n, 1, 28, 28], align_corners=False)  # (N, 28, 28, 2)
    if elastic_alpha > 0:
        grid = grid + elastic_field(n, elastic_alpha, elastic_sigma, generator)
    grid = grid.to(x.device)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
