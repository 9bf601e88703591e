"""Synthetic "not a digit" images for outlier exposure, drawn on the fly in torch.

What it is: (N, 1, 28, 28) float32 images in [0, 1], white on black like the network's input,
of things that are not one digit: scribbles, near-horizontal lines and dashes, crosses,
rectangles (hollow or filled), filled ellipses, blobs, noise, blank pages with a grey floor,
and two digits side by side (each half size, as preprocessing frames a two-digit box). Every
draw comes from an explicit generator. Shapes are drawn as distance fields (anti-aliased).
Kept away from what digits look like: no near-vertical single line (a 1), no hollow
ellipse (a 0). The loss pushes the network's softmax on these towards uniform (trainer.py).
What it isn't: an evaluation set: the held-out negatives (letters and symbols rendered from
fonts, mnist_edge/synth/) are drawn differently on purpose, so the refusal rate measured on
them stays honest.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

KINDS = ("scribble", "dash", "cross", "rectangle", "ellipse", "blob", "noise", "blank", "pair")

_YY, _XX = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")  # (28, 28) each


def _u(shape, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(shape, generator=gen)


def _segment_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a, b: (n, S, 2) end points (x, y) -> (n, S, 28, 28) distance of each pixel to each segment."""
    p = torch.stack([_XX, _YY], -1).view(1, 1, 28, 28, 2)
    a, b = a[:, :, None, None, :], b[:, :, None, None, :]
    ab = b - a
    t = (((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-6)).clamp(0, 1)
    return (p - a - t.unsqueeze(-1) * ab).norm(dim=-1)


def _ink(distance: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """Anti-aliased stroke of the given width (n, 1, 1) from a (n, 28, 28) distance field."""
    return (width / 2 + 0.5 - distance).clamp(0, 1)


def _strokes(a: torch.Tensor, b: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Union of segments a->b, pen 1.5-3.5 px -> (n, 28, 28)."""
    width = _u((a.shape[0], 1, 1), 1.5, 3.5, gen)
    return _ink(_segment_distance(a, b).amin(1), width)


def scribble(n: int, gen: torch.Generator) -> torch.Tensor:
    """A random walk of 6-8 points across the box: a crossed-out smudge or squiggle."""
    points = _u((n, 8, 2), 4, 24, gen)
    length = torch.randint(6, 9, (n, 1), generator=gen)  # 5+ strokes: fewer could draw a 1, 2 or 7
    keep = (torch.arange(7).view(1, 7) < length - 1).view(n, 7, 1)  # unused segments collapse
    b = torch.where(keep, points[:, 1:], points[:, :1])
    a = torch.where(keep, points[:, :-1], points[:, :1])
    return _strokes(a, b, gen)


def dash(n: int, gen: torch.Generator) -> torch.Tensor:
    """One line within 35 degrees of horizontal, 6-22 px long (a dash, a minus, an underline)."""
    angle = _u(n, -0.6, 0.6, gen)
    half = _u(n, 3, 11, gen)
    centre = _u((n, 2), 10, 18, gen)
    d = torch.stack([torch.cos(angle), torch.sin(angle)], -1) * half.unsqueeze(-1)
    return _strokes((centre - d).unsqueeze(1), (centre + d).unsqueeze(1), gen)


def cross(n: int, gen: torch.Generator) -> torch.Tensor:
    """Two crossing lines: x, +, or a tilted star of two strokes."""
    angle = _u(n, 0, 3.1416, gen).unsqueeze(1) + torch.tensor([0.0, 1.5708]).view(1, 2)
    angle = angle + _u((n, 2), -0.3, 0.3, gen)
    half = _u((n, 2), 6, 11, gen)
    centre = _u((n, 1, 2), 12, 16, gen)
    d = torch.stack([torch.cos(angle), torch.sin(angle)], -1) * half.unsqueeze(-1)  # (n, 2, 2)
    return _strokes(centre - d, centre + d, gen)


def rectangle(n: int, gen: torch.Generator) -> torch.Tensor:
    """An axis-aligned box, 8-22 px a side, hollow (pen 1.5-3.5 px) or filled, never tall
    and narrow (a hollow one would be a 0, a filled one a 1)."""
    half = _u((n, 2, 1, 1), 4, 11, gen)
    half[:, 0] = torch.maximum(half[:, 0], 0.9 * half[:, 1])  # width >= 0.9 height
    centre = _u((n, 2, 1, 1), 12, 16, gen)
    q = torch.stack([_XX, _YY]).unsqueeze(0) - centre  # (n, 2, 28, 28)
    outside = (q.abs() - half).amax(1)  # (n, 28, 28) box signed distance (inside < 0)
    width = _u((n, 1, 1), 1.5, 3.5, gen)
    hollow = _ink(outside.abs(), width)
    filled = (0.5 - outside).clamp(0, 1)
    return torch.where(torch.rand(n, 1, 1, generator=gen) < 0.5, hollow, filled)


def ellipse(n: int, gen: torch.Generator) -> torch.Tensor:
    """A filled ellipse (a blot, a filled circle), 6-22 px across, no taller than 1.3x its
    width (a narrow upright one is a thick 1)."""
    r = _u((n, 2, 1, 1), 3, 11, gen)
    r[:, 1] = torch.minimum(r[:, 1], 1.3 * r[:, 0])
    centre = _u((n, 2, 1, 1), 12, 16, gen)
    q = (torch.stack([_XX, _YY]).unsqueeze(0) - centre) / r
    radius = q.norm(dim=1)  # (n, 28, 28), 1 on the outline
    return ((1 - radius) * r.amin(1) + 0.5).clamp(0, 1)


def blob(n: int, gen: torch.Generator) -> torch.Tensor:
    """Smoothed noise cut at a level: irregular smudges, one or several."""
    coarse = torch.rand(n, 1, 7, 7, generator=gen)
    smooth = F.interpolate(coarse, size=(28, 28), mode="bicubic", align_corners=False)[:, 0]
    level = _u((n, 1, 1), 0.55, 0.8, gen)
    return ((smooth - level) * 8).clamp(0, 1)


def noise(n: int, gen: torch.Generator) -> torch.Tensor:
    """Uniform or salt-and-pepper noise over the whole square."""
    u = torch.rand(n, 28, 28, generator=gen)
    density = _u((n, 1, 1), 0.02, 0.3, gen)
    salt = (u < density).float()
    return torch.where(torch.rand(n, 1, 1, generator=gen) < 0.5, u * _u((n, 1, 1), 0.2, 1, gen), salt)


def blank(n: int, gen: torch.Generator) -> torch.Tensor:
    """An empty page: a grey floor of 0-0.3 with faint noise."""
    return (_u((n, 1, 1), 0, 0.3, gen) + 0.03 * torch.randn(n, 28, 28, generator=gen)).clamp(0, 1)


def pair(digits: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Two digits side by side, each shrunk to 14x14: (2n, 1, 28, 28) digits -> (n, 28, 28)."""
    n = digits.shape[0] // 2
    small = F.interpolate(digits[: 2 * n], size=(14, 14), mode="area")  # (2n, 1, 14, 14)
    out = torch.zeros(n, 28, 28)
    top = torch.randint(4, 11, (2, n), generator=gen)
    for i in range(n):  # n is a few images a batch; two slices each
        out[i, top[0, i] : top[0, i] + 14, 0:14] = small[2 * i, 0]
        out[i, top[1, i] : top[1, i] + 14, 14:28] = torch.maximum(
            out[i, top[1, i] : top[1, i] + 14, 14:28], small[2 * i + 1, 0])
    return out


_DRAW = {"scribble": scribble, "dash": dash, "cross": cross, "rectangle": rectangle,
         "ellipse": ellipse, "blob": blob, "noise": noise, "blank": blank}


def negatives(n: int, digits: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """n images, kinds mixed evenly at random -> (n, 1, 28, 28) float32 in [0, 1].

    digits: (M, 1, 28, 28) real digits in [0, 1] to build the pairs from (M >= 2n is plenty).
    """
    kind = torch.randint(0, len(KINDS), (n,), generator=gen)
    out = torch.zeros(n, 28, 28)
    for k, name in enumerate(KINDS):
        idx = (kind == k).nonzero()[:, 0]
        if len(idx) == 0:
            continue
        if name == "pair":
            pick = torch.randint(0, digits.shape[0], (2 * len(idx),), generator=gen)
            out[idx] = pair(digits[pick].float(), gen)
        else:
            out[idx] = _DRAW[name](len(idx), gen)
    return out.unsqueeze(1)
