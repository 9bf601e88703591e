"""Synthetic "not a digit" images for outlier exposure, drawn on the fly in torch.

What it is: (N, 1, 28, 28) float32 images in [0, 1], white on black like the network's input,
of things that are not one digit: scribbles, near-horizontal lines and dashes, crosses,
rectangles (hollow or filled), filled ellipses, blobs, noise, blank pages with a grey floor,
two digits side by side (at half size, or framed as preprocessing frames one mark, apart,
touching or overlapping), and a given share of hand-drawn letters and symbols (glyphs.py). Every
draw comes from an explicit generator. Shapes are drawn as distance fields (anti-aliased).
Kept away from what digits look like: no near-vertical single line (a 1), no hollow
ellipse (a 0). The loss pushes the network's softmax on these towards uniform (trainer.py).
What it isn't: an evaluation set: the held-out negatives (letters and symbols rendered from
fonts, mnist_edge/synth/) are drawn differently on purpose, so the refusal rate measured on
them stays honest.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from mnist_edge.image.fit import fit
from mnist_edge.train.glyphs import glyphs
from mnist_edge.train.pen import XX, YY, ink, strokes, uniform

# glyph last: the shipped run drew from the first nine alone
KINDS = ("scribble", "dash", "cross", "rectangle", "ellipse", "blob", "noise", "blank", "pair", "glyph")

def scribble(n: int, gen: torch.Generator) -> torch.Tensor:
    """A random walk of 6-8 points across the box: a crossed-out smudge or squiggle."""
    points = uniform((n, 8, 2), 4, 24, gen)
    length = torch.randint(6, 9, (n, 1), generator=gen)  # 5+ strokes: fewer could draw a 1, 2 or 7
    keep = (torch.arange(7).view(1, 7) < length - 1).view(n, 7, 1)  # unused segments collapse
    b = torch.where(keep, points[:, 1:], points[:, :1])
    a = torch.where(keep, points[:, :-1], points[:, :1])
    return strokes(a, b, gen)


def dash(n: int, gen: torch.Generator) -> torch.Tensor:
    """One line within 35 degrees of horizontal, 6-22 px long (a dash, a minus, an underline)."""
    angle = uniform(n, -0.6, 0.6, gen)
    half = uniform(n, 3, 11, gen)
    centre = uniform((n, 2), 10, 18, gen)
    d = torch.stack([torch.cos(angle), torch.sin(angle)], -1) * half.unsqueeze(-1)
    return strokes((centre - d).unsqueeze(1), (centre + d).unsqueeze(1), gen)


def cross(n: int, gen: torch.Generator) -> torch.Tensor:
    """Two crossing lines: x, +, or a tilted star of two strokes."""
    angle = uniform(n, 0, 3.1416, gen).unsqueeze(1) + torch.tensor([0.0, 1.5708]).view(1, 2)
    angle = angle + uniform((n, 2), -0.3, 0.3, gen)
    half = uniform((n, 2), 6, 11, gen)
    centre = uniform((n, 1, 2), 12, 16, gen)
    d = torch.stack([torch.cos(angle), torch.sin(angle)], -1) * half.unsqueeze(-1)  # (n, 2, 2)
    return strokes(centre - d, centre + d, gen)


def rectangle(n: int, gen: torch.Generator) -> torch.Tensor:
    """An axis-aligned box, 8-22 px a side, hollow (pen 1.5-3.5 px) or filled, never tall
    and narrow (a hollow one would be a 0, a filled one a 1)."""
    half = uniform((n, 2, 1, 1), 4, 11, gen)
    half[:, 0] = torch.maximum(half[:, 0], 0.9 * half[:, 1])  # width >= 0.9 height
    centre = uniform((n, 2, 1, 1), 12, 16, gen)
    q = torch.stack([XX, YY]).unsqueeze(0) - centre  # (n, 2, 28, 28)
    outside = (q.abs() - half).amax(1)  # (n, 28, 28) box signed distance (inside < 0)
    width = uniform((n, 1, 1), 1.5, 3.5, gen)
    hollow = ink(outside.abs(), width)
    filled = (0.5 - outside).clamp(0, 1)
    return torch.where(torch.rand(n, 1, 1, generator=gen) < 0.5, hollow, filled)


def ellipse(n: int, gen: torch.Generator) -> torch.Tensor:
    """A filled ellipse (a blot, a filled circle), 6-22 px across, no taller than 1.3x its
    width (a narrow upright one is a thick 1)."""
    r = uniform((n, 2, 1, 1), 3, 11, gen)
    r[:, 1] = torch.minimum(r[:, 1], 1.3 * r[:, 0])
    centre = uniform((n, 2, 1, 1), 12, 16, gen)
    q = (torch.stack([XX, YY]).unsqueeze(0) - centre) / r
    radius = q.norm(dim=1)  # (n, 28, 28), 1 on the outline
    return ((1 - radius) * r.amin(1) + 0.5).clamp(0, 1)


def blob(n: int, gen: torch.Generator) -> torch.Tensor:
    """Smoothed noise cut at a level: irregular smudges, one or several."""
    coarse = torch.rand(n, 1, 7, 7, generator=gen)
    smooth = F.interpolate(coarse, size=(28, 28), mode="bicubic", align_corners=False)[:, 0]
    level = uniform((n, 1, 1), 0.55, 0.8, gen)
    return ((smooth - level) * 8).clamp(0, 1)


def noise(n: int, gen: torch.Generator) -> torch.Tensor:
    """Uniform or salt-and-pepper noise over the whole square."""
    u = torch.rand(n, 28, 28, generator=gen)
    density = uniform((n, 1, 1), 0.02, 0.3, gen)
    salt = (u < density).float()
    return torch.where(torch.rand(n, 1, 1, generator=gen) < 0.5, u * uniform((n, 1, 1), 0.2, 1, gen), salt)


def blank(n: int, gen: torch.Generator) -> torch.Tensor:
    """An empty page: a grey floor of 0-0.3 with faint noise."""
    return (uniform((n, 1, 1), 0, 0.3, gen) + 0.03 * torch.randn(n, 28, 28, generator=gen)).clamp(0, 1)


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


def touching_pair(digits: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Two digits side by side, apart or touching or overlapping a little, fitted as
    preprocessing fits one mark (image.fit: longer side 20 px, mass centred): (2n, 1, 28, 28)
    digits -> (n, 28, 28). Two-digit marks are what `predict` must refuse and `read` must cut."""
    n = digits.shape[0] // 2
    small = F.interpolate(digits[: 2 * n], size=(14, 14), mode="area")[:, 0]  # (2n, 14, 14)
    out = torch.zeros(n, 28, 28)
    step = torch.randint(7, 14, (n,), generator=gen)  # 14: apart; ~10: touching; 7: overlapping
    drop = torch.randint(0, 5, (2, n), generator=gen)  # baseline jitter
    for i in range(n):  # n is a few images a batch
        canvas = torch.zeros(18, 28)
        canvas[drop[0, i] : drop[0, i] + 14, :14] = small[2 * i]
        right = canvas[drop[1, i] : drop[1, i] + 14, step[i] : step[i] + 14]
        right.copy_(torch.maximum(right, small[2 * i + 1]))
        ink = canvas.numpy()  # (18, 28)
        rows, cols = np.flatnonzero((ink > 0.05).any(1)), np.flatnonzero((ink > 0.05).any(0))
        fitted = fit(ink, (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)) if rows.size else None
        if fitted is not None:
            out[i] = torch.from_numpy(fitted)
    return out


_DRAW = {"scribble": scribble, "dash": dash, "cross": cross, "rectangle": rectangle,
         "ellipse": ellipse, "blob": blob, "noise": noise, "blank": blank, "glyph": glyphs}


def negatives(n: int, digits: torch.Tensor, gen: torch.Generator, glyph_share: float = 0.0,
              touching: bool = False) -> torch.Tensor:
    """n images -> (n, 1, 28, 28) float32 in [0, 1]: a glyph_share of hand-drawn letters and
    symbols, the other kinds mixed evenly at random; the two-digit kind as touching_pair() when
    `touching`, else pair().

    digits: (M, 1, 28, 28) real digits in [0, 1] to build the pairs from (M >= 2n is plenty).
    """
    if glyph_share > 0:
        weights = torch.full((len(KINDS),), (1 - glyph_share) / (len(KINDS) - 1))
        weights[KINDS.index("glyph")] = glyph_share
        kind = torch.multinomial(weights, n, replacement=True, generator=gen)
    else:  # the draw of the shipped model's run, kept so that its recipe reproduces it
        kind = torch.randint(0, len(KINDS) - 1, (n,), generator=gen)
    out = torch.zeros(n, 28, 28)
    for k, name in enumerate(KINDS):
        idx = (kind == k).nonzero()[:, 0]
        if len(idx) == 0:
            continue
        if name == "pair":
            pick = torch.randint(0, digits.shape[0], (2 * len(idx),), generator=gen)
            out[idx] = (touching_pair if touching else pair)(digits[pick].float(), gen)
        else:
            out[idx] = _DRAW[name](len(idx), gen)
    return out.unsqueeze(1)
