"""Imaging augmentation in torch: what pens, paper and cameras do to a digit, on whole batches.

What it is: per-image random stroke width (soft dilation/erosion: a blend towards max-pool or
-max-pool(-x)), contrast (ink not reaching 1, a grey floor), gaussian blur, gaussian noise,
an occluding ruled line crossing the digit and random erasing of a small rectangle. Each is
applied to an image with its own probability; every draw comes from an explicit generator,
so a seed fixes the result. Images stay (N, 1, 28, 28) float32 in [0, 1], white on black.
What it isn't: the geometric augmentation (augment.py) or the runtime's preprocessing, whose
leftovers (grey floors, blur, noise, lines) these imitate.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F


@dataclass
class ImagingParams:
    """Probability (p_*) and strength of each transform; p = 0 switches one off."""
    p_stroke: float = 0.0
    stroke: float = 1.0  # blend factor limit towards a 3x3 dilation/erosion (1 = the full one)
    p_contrast: float = 0.0
    min_ink: float = 0.4  # the brightest ink drawn uniformly in [min_ink, 1]
    max_floor: float = 0.3  # grey floor uniformly in [0, max_floor] (always below the ink)
    p_blur: float = 0.0
    max_blur: float = 1.2  # gaussian sigma uniformly in [0.3, max_blur] pixels
    p_noise: float = 0.0
    max_noise: float = 0.15  # noise standard deviation uniformly in [0, max_noise]
    p_line: float = 0.0
    p_erase: float = 0.0

    def any(self) -> bool:
        return any(getattr(self, f) > 0 for f in ("p_stroke", "p_contrast", "p_blur",
                                                     "p_noise", "p_line", "p_erase"))


def _chosen(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(n, generator=gen) < p).view(n, 1, 1, 1)  # (n, 1, 1, 1) bool


def _rand(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return (lo + (hi - lo) * torch.rand(n, generator=gen)).view(n, 1, 1, 1)  # (n, 1, 1, 1)


def stroke_width(x: torch.Tensor, p: float, strength: float, gen: torch.Generator) -> torch.Tensor:
    """Thicker or thinner strokes: x + a * (dilate(x) - x), a in [-strength, strength]."""
    n = x.shape[0]
    amount = _rand(n, -strength, strength, gen) * _chosen(n, p, gen)
    dilated = F.max_pool2d(x, 3, stride=1, padding=1)
    eroded = -F.max_pool2d(-x, 3, stride=1, padding=1)
    target = torch.where(amount > 0, dilated, eroded)
    return x + amount.abs() * (target - x)


def contrast(x: torch.Tensor, p: float, min_ink: float, max_floor: float,
             gen: torch.Generator) -> torch.Tensor:
    """Faint ink on a grey floor: floor + (ink - floor) * x."""
    n = x.shape[0]
    ink = _rand(n, min_ink, 1.0, gen)
    floor = _rand(n, 0.0, 1.0, gen) * torch.clamp(torch.minimum(ink - 0.2, torch.tensor(max_floor)), min=0)
    out = floor + (ink - floor) * x
    return torch.where(_chosen(n, p, gen), out, x)


def gaussian_blur(x: torch.Tensor, p: float, max_sigma: float, gen: torch.Generator) -> torch.Tensor:
    """Defocus: a gaussian of its own sigma per image (one grouped convolution, 7x7)."""
    n = x.shape[0]
    sigma = _rand(n, 0.3, max_sigma, gen).view(n, 1)  # (n, 1)
    r = torch.arange(-3, 4, dtype=x.dtype)  # (7,)
    k1 = torch.exp(-(r**2) / (2 * sigma**2))
    k1 = k1 / k1.sum(1, keepdim=True)  # (n, 7)
    kernel = (k1[:, :, None] * k1[:, None, :]).unsqueeze(1)  # (n, 1, 7, 7)
    blurred = F.conv2d(x.reshape(1, n, 28, 28), kernel, padding=3, groups=n).view_as(x)
    return torch.where(_chosen(n, p, gen), blurred, x)


def gaussian_noise(x: torch.Tensor, p: float, max_std: float, gen: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    std = _rand(n, 0.0, max_std, gen) * _chosen(n, p, gen)
    return (x + std * torch.randn(x.shape, generator=gen)).clamp(0, 1)


def line_field(n: int, gen: torch.Generator, max_tilt: float = 0.35) -> torch.Tensor:
    """(n, 1, 28, 28) distance in pixels from each pixel to a random, nearly horizontal line."""
    angle = (torch.rand(n, generator=gen) * 2 - 1) * max_tilt  # radians from horizontal
    offset = (torch.rand(n, generator=gen) * 2 - 1) * 10  # pixels from the centre
    yy, xx = torch.meshgrid(torch.arange(28.0) - 13.5, torch.arange(28.0) - 13.5, indexing="ij")
    s, c = torch.sin(angle).view(n, 1, 1), torch.cos(angle).view(n, 1, 1)
    return (yy * c - xx * s - offset.view(n, 1, 1)).abs().unsqueeze(1)


def ruled_line(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """A ruled line across the digit, fainter or as bright as the ink, 1-2.5 px wide."""
    n = x.shape[0]
    width = _rand(n, 1.0, 2.5, gen)
    level = _rand(n, 0.25, 1.0, gen)
    line = level * (width / 2 + 0.5 - line_field(n, gen)).clamp(0, 1)  # anti-aliased edge
    return torch.where(_chosen(n, p, gen), torch.maximum(x, line), x)


def random_erase(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """A rectangle of 3-8 x 3-8 pixels set to 0 (a gap in the stroke, paper glare)."""
    n = x.shape[0]
    h, w = (torch.randint(3, 9, (n,), generator=gen) for _ in range(2))
    top, left = (torch.randint(0, 20, (n,), generator=gen) for _ in range(2))
    yy = torch.arange(28).view(1, 28, 1)
    xx = torch.arange(28).view(1, 1, 28)
    box = ((yy >= top.view(n, 1, 1)) & (yy < (top + h).view(n, 1, 1))
           & (xx >= left.view(n, 1, 1)) & (xx < (left + w).view(n, 1, 1))).unsqueeze(1)
    return torch.where(box & _chosen(n, p, gen), torch.zeros_like(x), x)


def imaging(x: torch.Tensor, params: ImagingParams, gen: torch.Generator) -> torch.Tensor:
    """x: (N, 1, 28, 28) in [0, 1] -> the same, each image through the transforms it drew.

    Order follows the physics: the pen (stroke width), the paper (ruled line, erasing),
    the light (contrast), the lens (blur), the sensor (noise).
    """
    x = stroke_width(x, params.p_stroke, params.stroke, gen)
    x = ruled_line(x, params.p_line, gen)
    x = random_erase(x, params.p_erase, gen)
    x = contrast(x, params.p_contrast, params.min_ink, params.max_floor, gen)
    x = gaussian_blur(x, params.p_blur, params.max_blur, gen)
    return gaussian_noise(x, params.p_noise, params.max_noise, gen)
