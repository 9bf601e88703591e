"""The writing's slant, and where a mark of touching digits may be cut: into 1-4 digits.

What it is: slant_of() (the shear that makes the column ink profile sharpest), sheared()
(components' extents along the slant), and ways(core, xs, height): the cut candidates are the minima of the mark's ink profile
along the writing's slant (xs: each pixel's column along it), the lowest MAX_CUTS of them spaced
apart; every combination of them whose pieces are each plausibly one digit wide is a way. The
mark itself is a way when it is not too wide for one digit. The network decides between them
(mnist_edge.reading).
What it isn't: the choice of the marks (segment.py) or of the way (reading.py).
"""

from __future__ import annotations

import copy
from itertools import combinations

import numpy as np

from mnist_edge.image import filters
from mnist_edge.image.components import Components, among

SPLIT_FROM = 0.8  # a mark wider than this x its height may be touching digits: cut candidates
ONE_AT_MOST = 1.4  # a mark wider than this x its height is never one digit
NARROWEST = 0.08  # a cut's piece is at least this x the height wide (a 1)
MAX_CUTS, MAX_PIECES = 6, 4  # cut candidates kept per mark; digits one mark may hold
SLANTS = np.linspace(-0.5, 0.5, 21)  # slants (dx/dy) tried for the writing


def pixels_of(c: Components, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) of every pixel of the components in `labels`."""
    sel = among(c.label, labels, c.count)
    row, start, lengths = c.row[sel], c.start[sel], (c.end - c.start)[sel]
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(row, lengths), np.repeat(start, lengths) + offsets


def slant_of(c: Components, keep: np.ndarray, yc: float) -> float:
    """The writing's slant dx/dy: the shear that makes the column ink profile sharpest."""
    ys, xs = pixels_of(c, np.flatnonzero(keep))
    if xs.size == 0:
        return 0.0
    shift = int(SLANTS.max() * (np.abs(ys - yc).max() + 1)) + 1

    def sharpness(k: float) -> float:  # each pixel split between its two nearest columns: no aliasing
        at = xs - k * (ys - yc) + shift
        i = np.floor(at).astype(int)
        w = at - i
        profile = np.bincount(i, 1 - w, i.max() + 2) + np.bincount(i + 1, w, i.max() + 2)
        return float(profile @ profile)

    return float(max(SLANTS, key=sharpness))


def sheared(c: Components, k: float, yc: float) -> Components:
    """A copy of c whose left / right are the extents along the slant: x - k (y - yc)."""
    out = copy.copy(c)
    offset = -k * (c.row - yc)
    left = np.full(c.count, np.inf)
    np.minimum.at(left, c.label, c.start + offset)
    right = np.full(c.count, -np.inf)
    np.maximum.at(right, c.label, c.end + offset)
    out.left, out.right = np.floor(left).astype(int), np.ceil(right).astype(int)
    return out


def ways(core: np.ndarray, xs: np.ndarray, height: float) -> list[list[tuple[int, int]]]:
    """The ways of cutting a mark into 1..MAX_PIECES digits: lists of spans of xs (columns along
    the slant), left to right."""
    profile = np.bincount(xs[core], minlength=int(xs.max()) + 1).astype(np.float32)  # ink per column
    cols = np.flatnonzero(profile)
    lo, hi = int(cols[0]), int(cols[-1]) + 1
    rows = np.flatnonzero(core.any(1))
    own_height = max(height, float(rows[-1] + 1 - rows[0]))
    width = hi - lo
    ways = [[(0, len(profile))]] if width <= ONE_AT_MOST * own_height else []
    if width <= SPLIT_FROM * own_height:
        return ways
    cuts = _cut_candidates(profile, lo, hi, height)
    most = min(MAX_PIECES, len(cuts) + 1, int(width / (NARROWEST * height)))
    for k in range(2, most + 1):
        for chosen in combinations(cuts, k - 1):
            edges = [0, *sorted(chosen), len(profile)]
            spans = list(zip(edges[:-1], edges[1:]))
            if all(_plausible(profile, a, b, height) for a, b in spans):
                ways.append(spans)
    return ways


def _plausible(profile: np.ndarray, a: int, b: int, height: float) -> bool:
    """A piece of a cut mark could be one digit: some ink, at most ONE_AT_MOST x the height wide."""
    cols = np.flatnonzero(profile[a:b])
    return cols.size > 0 and NARROWEST * height <= cols[-1] + 1 - cols[0] <= ONE_AT_MOST * height


def _cut_candidates(profile: np.ndarray, lo: int, hi: int, height: float) -> list[int]:
    """Columns to cut a mark at: minima of its column ink profile, the lowest MAX_CUTS, spaced apart."""
    profile = filters.box_blur(profile[None, :], 3)[0]  # (w,) ink per column, smoothed
    margin = max(2, int(NARROWEST * height))
    inner = np.arange(lo + margin, hi - margin)
    if inner.size == 0:
        return []
    p = profile[inner]
    left, right = profile[inner - 1], profile[np.minimum(inner + 1, len(profile) - 1)]
    minima = inner[(p <= left) & (p <= right)]
    chosen: list[int] = []
    for x in minima[np.argsort(profile[minima], kind="stable")]:
        if all(abs(int(x) - y) >= max(2, 0.15 * height) for y in chosen):
            chosen.append(int(x))
        if len(chosen) == MAX_CUTS:
            break
    return sorted(chosen)
