"""Anti-aliased pen strokes on the network's 28 x 28 grid, drawn in torch (for synthetic negatives).

What it is: uniform draws from an explicit generator, the distance of every pixel to a batch of
segments, and the ink of a pen of a given width along them. What it isn't: a shape or glyph
table (negatives.py, glyphs.py).
"""

from __future__ import annotations

import torch

YY, XX = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")  # (28, 28) each


def uniform(shape, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(shape, generator=gen)


def segment_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a, b: (n, S, 2) end points (x, y) -> (n, S, 28, 28) distance of each pixel to each segment."""
    p = torch.stack([XX, YY], -1).view(1, 1, 28, 28, 2)
    a, b = a[:, :, None, None, :], b[:, :, None, None, :]
    ab = b - a
    t = (((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-6)).clamp(0, 1)
    return (p - a - t.unsqueeze(-1) * ab).norm(dim=-1)


def ink(distance: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """Anti-aliased stroke of the given width (n, 1, 1) from a (n, 28, 28) distance field."""
    return (width / 2 + 0.5 - distance).clamp(0, 1)


def strokes(a: torch.Tensor, b: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Union of segments a->b, pen 1.5-3.5 px -> (n, 28, 28)."""
    width = uniform((a.shape[0], 1, 1), 1.5, 3.5, gen)
    return ink(segment_distance(a, b).amin(1), width)
