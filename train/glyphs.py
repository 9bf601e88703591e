"""Letters and symbols drawn as a hand draws them: pen strokes through jittered points.

What it is: GLYPHS, a table of stroke skeletons (polylines in a unit box, x right, y down) for
letters and symbols that are not digits, and glyphs(n, gen) -> (n, 28, 28) coverage in [0, 1]:
each skeleton slanted, rotated, stretched and bent by a smooth random warp, drawn with a pen of
1.5-3.5 px in a box 13-18 px tall (about 20 once slanted and rotated, as preprocessing frames a
mark), white on black. Used by train --oe-glyphs (off in the shipped recipe).
What it isn't: font rendering. The held-out non-digits (mnist_edge/synth/nondigits.py) are
letters from typed and handwriting fonts, so the refusal measured on them is not measured on
this drawing.
"""

from __future__ import annotations

import math

import torch

from mnist_edge.train.pen import strokes, uniform


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int = 9) -> list:
    """Points on an elliptic arc, angles in degrees (0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in (start + (stop - start) * k / (n - 1) for k in range(n))]


# Each glyph: polylines of (x, y) in [0, 1]. Letters that pass for a digit (O, I, l, S, Z, B, G,
# b, g, q, z) are left out: the network must keep reading those shapes as digits.
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
    "F": [[(1, 0), (0, 0), (0, 1)], [(0, 0.48), (0.75, 0.48)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(1, 0), (0, 0.55)], [(0.3, 0.38), (1, 1)]],
    "M": [[(0, 1), (0, 0), (0.5, 0.6), (1, 0), (1, 1)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "R": [[(0, 1), (0, 0)] + _arc(0.5, 0.25, 0.45, 0.25, -90, 90) + [(0, 0.5)], [(0.35, 0.5), (1, 1)]],
    "T": [[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]],
    "U": [[(0, 0)] + _arc(0.5, 0.6, 0.5, 0.4, 180, 0) + [(1, 0)]],
    "V": [[(0, 0), (0.5, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.3), (0.75, 1), (1, 0)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "a": [_arc(0.42, 0.55, 0.42, 0.42, -20, 340), [(0.9, 0.1), (0.9, 1)]],
    "c": [_arc(0.5, 0.5, 0.5, 0.5, -40, -320)],
    "d": [_arc(0.4, 0.68, 0.4, 0.32, 0, 360), [(0.82, 0), (0.82, 1)]],
    "e": [[(0.05, 0.5), (1, 0.5)] + _arc(0.52, 0.5, 0.48, 0.5, 0, -300)],
    "f": [_arc(0.8, 0.2, 0.3, 0.2, -10, -180) + [(0.5, 1)], [(0.1, 0.45), (0.9, 0.45)]],
    "h": [[(0, 0), (0, 1)], [(0, 0.7)] + _arc(0.45, 0.65, 0.45, 0.3, 180, 360) + [(0.9, 1)]],
    "k": [[(0, 0), (0, 1)], [(0.9, 0.35), (0, 0.72), (0.9, 1)]],
    "m": [[(0, 1), (0, 0.1)] + _arc(0.25, 0.35, 0.25, 0.3, 180, 360) + [(0.5, 1)],
          [(0.5, 0.35)] + _arc(0.75, 0.35, 0.25, 0.3, 180, 360) + [(1, 1)]],
    "n": [[(0, 1), (0, 0.05)], [(0, 0.45)] + _arc(0.5, 0.4, 0.5, 0.35, 180, 360) + [(1, 1)]],
    "p": [[(0, 0), (0, 1)], _arc(0.4, 0.3, 0.45, 0.3, -180, 180)],
    "r": [[(0, 1), (0, 0)], [(0, 0.45)] + _arc(0.55, 0.35, 0.55, 0.3, 180, 300)],
    "t": [[(0.4, 0), (0.4, 0.85)] + _arc(0.65, 0.85, 0.25, 0.15, 180, 90), [(0, 0.3), (0.9, 0.3)]],
    "v": [[(0, 0), (0.5, 1), (1, 0)]],
    "w": [[(0, 0), (0.25, 1), (0.5, 0.4), (0.75, 1), (1, 0)]],
    "x": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "y": [[(0, 0), (0.55, 0.6)], [(1, 0), (0.2, 1)]],
    "+": [[(0.5, 0), (0.5, 1)], [(0, 0.5), (1, 0.5)]],
    "=": [[(0, 0.3), (1, 0.3)], [(0, 0.7), (1, 0.7)]],
    "?": [_arc(0.5, 0.28, 0.45, 0.28, 190, 450) + [(0.5, 0.75)], [(0.5, 0.93), (0.5, 1)]],
    "!": [[(0.5, 0), (0.5, 0.72)], [(0.5, 0.92), (0.5, 1)]],
    "#": [[(0.35, 0), (0.25, 1)], [(0.75, 0), (0.65, 1)], [(0, 0.33), (1, 0.33)], [(0, 0.67), (1, 0.67)]],
    "@": [_arc(0.52, 0.52, 0.22, 0.22, 0, 360) + _arc(0.5, 0.5, 0.5, 0.5, 20, 320)],
    "&": [[(1, 1), (0.2, 0.3)] + _arc(0.4, 0.2, 0.2, 0.2, 180, 360) + [(0.1, 0.75)]
          + _arc(0.35, 0.75, 0.3, 0.25, 180, 90) + [(0.9, 0.55)]],
    "%": [[(0.9, 0), (0.1, 1)], _arc(0.2, 0.18, 0.18, 0.18, 0, 360, 7), _arc(0.8, 0.82, 0.18, 0.18, 0, 360, 7)],
    "*": [[(0.5, 0), (0.5, 1)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "$": [_arc(0.5, 0.3, 0.4, 0.22, -20, -270) + _arc(0.5, 0.72, 0.4, 0.22, -90, 160), [(0.5, -0.05), (0.5, 1.05)]],
    "<": [[(1, 0), (0, 0.5), (1, 1)]],
    ">": [[(0, 0), (1, 0.5), (0, 1)]],
    "check": [[(0, 0.55), (0.35, 1), (1, 0)]],
    "arrow": [[(0, 0.5), (1, 0.5)], [(0.65, 0.2), (1, 0.5), (0.65, 0.8)]],
}
NAMES = tuple(GLYPHS)
# Width over height of each glyph's box before the random stretch.
_ASPECTS = {"!": 0.25, "f": 0.55, "t": 0.6, "r": 0.6, "E": 0.7, "F": 0.7, "k": 0.7, "p": 0.7, "?": 0.6,
            "M": 1.1, "W": 1.2, "m": 1.2, "w": 1.2, "=": 1.1, "arrow": 1.2}


def _segments() -> tuple[torch.Tensor, torch.Tensor]:
    """(G, S, 2) start and end points, padded with far-away zero-length segments."""
    lines = [[(a, b) for line in GLYPHS[name] for a, b in zip(line, line[1:])] for name in NAMES]
    longest = max(len(s) for s in lines)
    far = (-100.0, -100.0)
    starts = torch.tensor([[a for a, _ in s] + [far] * (longest - len(s)) for s in lines])
    ends = torch.tensor([[b for _, b in s] + [far] * (longest - len(s)) for s in lines])
    return starts, ends


_STARTS, _ENDS = _segments()
_ASPECT = torch.tensor([_ASPECTS.get(name, 0.85) for name in NAMES])


def _place(points: torch.Tensor, kind: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """(n, S, 2) unit-box points -> pixels: a smooth bend, slant, rotation and a 13-18 px box."""
    n = points.shape[0]
    phase = uniform((n, 1, 2), 0, 6.283, gen)
    bend = uniform((n, 1, 2), -0.06, 0.06, gen) * torch.sin(points.flip(-1) * 3.0 + phase)  # (n, S, 2)
    p = points + bend - 0.5
    height = uniform((n, 1), 13, 18, gen)
    width = height * _ASPECT[kind].unsqueeze(1) * uniform((n, 1), 0.8, 1.2, gen)
    fit = 18 / torch.maximum(width, height).clamp(min=18)  # 18 px at most: 20 or so once slanted
    width, height = width * fit, height * fit
    p = p * torch.stack([width, height], -1)  # (n, S, 2) centred, in pixels
    slant = uniform((n, 1), -0.3, 0.3, gen)
    p = torch.stack([p[..., 0] - slant * p[..., 1], p[..., 1]], -1)
    angle = uniform((n, 1), -0.25, 0.25, gen)
    cos, sin = torch.cos(angle), torch.sin(angle)
    p = torch.stack([cos * p[..., 0] - sin * p[..., 1], sin * p[..., 0] + cos * p[..., 1]], -1)
    return p + 14 + uniform((n, 1, 2), -1, 1, gen)


def glyphs(n: int, gen: torch.Generator) -> torch.Tensor:
    """n hand-drawn letters or symbols, drawn at random from GLYPHS -> (n, 28, 28)."""
    kind = torch.randint(0, len(NAMES), (n,), generator=gen)
    starts, ends = _STARTS[kind], _ENDS[kind]
    pad = starts[..., 0] < -50  # padded segments stay far away
    both = _place(torch.cat([starts, ends], 1), kind, gen)
    a, b = both.split(starts.shape[1], 1)
    a, b = a.masked_fill(pad.unsqueeze(-1), -100.0), b.masked_fill(pad.unsqueeze(-1), -100.0)
    return strokes(a, b, gen)
