"""The writing's slant, and where a mark of touching digits may be cut: into 1-4 digits.

What it is: slant_of() (the shear that makes the column ink profile sharpest), sheared()
(components' extents along the slant), and ways(core, xs, height). A cut runs from the mark's
top to its bottom along the writing's slant (xs: each pixel's column along it). The candidates
are straight cuts at the minima of the mark's column ink profile, lowest first, then, in a mark
wider than its height, the paths that cross the least ink within reach of their column
(cut_paths, a dynamic programme row by row: two digits whose strokes overlap are parted where
they touch): at most MAX_CUTS, spaced apart. Every combination of them whose pieces are each
plausibly one digit wide is a way; the mark itself is a way when it is not too wide for one
digit. The network decides between them (mnist_edge.reading).
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
SEAMS_FROM = 1.0  # a mark wider than this x its height also gets the least-ink paths as cuts
SEAM_STRIDE = 0.1  # ... tried from every this x the height columns (paths nearby converge)
# A cut's path strays at most PATH_REACH x the height from its column; its cost is INK_COST per
# inked pixel crossed, STEP_COST per sideways step, STRAY_COST per px from its column per row.
# Chosen on validation numbers (touching, seeds 11 and 12, 300 each: 384 -> 398 right).
PATH_REACH, INK_COST, STEP_COST, STRAY_COST = 0.25, 1.0, 0.3, 0.03
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


def ways(core: np.ndarray, xs: np.ndarray,
         height: float) -> tuple[list[list[tuple[int, int]]], dict[int, int | np.ndarray]]:
    """The ways of cutting a mark into 1..MAX_PIECES digits: lists of spans of xs (columns along
    the slant), left to right; and each inner cut (its column, or a path: (h,) its column of xs
    in each row)."""
    profile = np.bincount(xs[core], minlength=int(xs.max()) + 1).astype(np.float32)  # ink per column
    cols = np.flatnonzero(profile)
    lo, hi = int(cols[0]), int(cols[-1]) + 1
    rows = np.flatnonzero(core.any(1))
    own_height = max(height, float(rows[-1] + 1 - rows[0]))
    width = hi - lo
    ways = [[(0, len(profile))]] if width <= ONE_AT_MOST * own_height else []
    if width <= SPLIT_FROM * own_height:
        return ways, {}
    paths = _cut_candidates(core, xs, profile, (lo, hi), height, width > SEAMS_FROM * own_height)
    cuts = sorted(paths)
    most = min(MAX_PIECES, len(cuts) + 1, int(width / (NARROWEST * height)))
    for k in range(2, most + 1):
        for chosen in combinations(cuts, k - 1):
            edges = [0, *chosen, len(profile)]
            spans = list(zip(edges[:-1], edges[1:]))
            if all(_plausible(profile, a, b, height) for a, b in spans):
                ways.append(spans)
    return ways, paths


def _plausible(profile: np.ndarray, a: int, b: int, height: float) -> bool:
    """A piece of a cut mark could be one digit: some ink, at most ONE_AT_MOST x the height wide."""
    cols = np.flatnonzero(profile[a:b])
    return cols.size > 0 and NARROWEST * height <= cols[-1] + 1 - cols[0] <= ONE_AT_MOST * height


def _cut_candidates(core: np.ndarray, xs: np.ndarray, profile: np.ndarray, extent: tuple[int, int],
                    height: float, seams: bool) -> dict[int, int | np.ndarray]:
    """Where to cut a mark: {column: its cut}. First straight cuts
    at the minima of the column ink profile, lowest first; then (seams) the paths crossing the
    least ink, where digits overlap so that no column between them is free of ink. A straight
    cut is its column; a path, (h,) a column of xs per row."""
    margin = max(2, int(NARROWEST * height))
    inner = np.arange(extent[0] + margin, extent[1] - margin)
    if inner.size == 0:
        return {}
    smooth = filters.box_blur(profile[None, :], 3)[0]  # (w,) ink per column, smoothed
    p = smooth[inner]
    left, right = smooth[inner - 1], smooth[np.minimum(inner + 1, len(smooth) - 1)]
    minima = inner[(p <= left) & (p <= right)]
    minima = minima[np.argsort(smooth[minima], kind="stable")]
    # straight cuts there (their own column): a least-ink path would often slip into a loop (a 0
    # beside a 1)
    paths: dict[int, int | np.ndarray] = {int(x): int(x) for x in minima}
    chosen = _spaced(paths, minima, [], height)
    if seams and len(chosen) < MAX_CUTS:
        starts = inner[:: max(1, int(SEAM_STRIDE * height))]
        more, cost = cut_paths(core, xs, starts, height, (int(inner[0]), int(inner[-1]) + 1))
        paths.update(more)
        chosen = _spaced(paths, starts[np.argsort(cost, kind="stable")], chosen, height)
    return {x: paths[x] for x in chosen}


def _spaced(paths: dict[int, int | np.ndarray], order: np.ndarray, chosen: list[int],
            height: float) -> list[int]:
    """chosen + the columns of order, in turn, apart from every chosen one both at their start
    and on average along their cuts (two starts often lead to one path); at most MAX_CUTS."""
    apart = max(2, 0.15 * height)
    where = {x: float(np.mean(paths[x])) for x in chosen}
    for x in map(int, order):
        if len(where) == MAX_CUTS:
            break
        at = float(np.mean(paths[x]))
        if all(abs(at - w) >= apart and abs(x - y) >= apart for y, w in where.items()):
            where[x] = at
    return list(where)


def cut_paths(core: np.ndarray, xs: np.ndarray, at: np.ndarray, height: float,
              within: tuple[int, int]) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """For each column in `at` (of xs), the path from the mark's top to its bottom that crosses
    the least ink within PATH_REACH x height of it and inside the columns [within): {column: (h,)
    its column of xs in each row}, and (len(at),) each path's cost."""
    h = core.shape[0]
    if len(at) == 0:
        return {}, np.zeros(0, np.float32)
    grid = np.zeros((h, int(xs.max()) + 1), np.float32)  # (h, W) ink along the slant
    grid[np.nonzero(core)[0], xs[core]] = INK_COST
    reach = max(2, int(PATH_REACH * height))
    offsets = np.arange(-reach, reach + 1)  # (m,)
    cols = np.asarray(at)[:, None] + offsets  # (n, m) the columns each path may take
    # (n, m) never beside the mark
    off = np.where((cols >= within[0]) & (cols < within[1]), 0.0, np.inf).astype(np.float32)
    stray = (STRAY_COST * np.abs(offsets)).astype(np.float32)  # (m,)
    cost = grid[:, np.clip(cols, 0, grid.shape[1] - 1)] + off + stray  # (h, n, m) float32
    n, m = cols.shape
    above = np.full((n, m + 2), np.inf, np.float32)  # cheapest way down to the row above; inf off reach
    above[:, 1:-1] = cost[0]
    came = np.zeros((h, n, m), np.int8)  # -1, 0, +1: where each cell's cheapest path came from
    for y in range(1, h):
        left, straight, right = above[:, :-2] + STEP_COST, above[:, 1:-1], above[:, 2:] + STEP_COST
        best = np.minimum(straight, np.minimum(left, right))
        came[y] = np.where(straight == best, 0, np.where(left == best, -1, 1))
        above[:, 1:-1] = best + cost[y]
    j = above[:, 1:-1].argmin(1)  # (n,) where each path ends
    total = above[np.arange(n), j + 1]
    path = np.empty((h, n), np.int64)
    for y in range(h - 1, -1, -1):
        path[y] = cols[np.arange(n), j]
        j = j + came[y, np.arange(n), j]
    return {int(a): path[:, i] for i, a in enumerate(at)}, total
