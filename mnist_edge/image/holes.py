"""Hollow (outlined) digits: fill the thin, elongated holes between the two rims of a stroke.

What it is: inside the digit's box, the background pieces that do not reach the box's edge are
holes. A written loop (0, 6, 8, 9, a 4's triangle) encloses a roundish hole; an outlined digit
encloses a ribbon that follows the stroke, long and thin. A hole is filled only when it is a
ribbon: elongated (perimeter^2 / (4 pi area) above ELONGATED), about as thick as the rims (a
slit far thinner is a gap between strokes), and the ribbons are a good share of the digit;
or a straight slit wider than the rims and as large as the outline around it (an outlined 1).
Filled holes take the rim's typical ink level, so the network sees a solid stroke. A bolder
rule's holes (short, fat ribbons: an outline around a wide stroke) make a second reading.
What it isn't: a general hole filler; roundish holes are left alone, so real loops stay loops.
"""

from __future__ import annotations

import numpy as np

from mnist_edge.image.components import Components, among, label

ELONGATED = 3.6  # perimeter^2 / (4 pi area): 1 for a disc, ~1.3 for a square, ~3 for a narrow 0, 5+ for a ribbon
# The ribbon of a small or faint outline measures 4.0-4.5 (it was read hollow, as an 8 or a 0).
# 4.5 -> 3.6, validation photos: outlined +4 of 180 (seed 12), +3 and +3 of 300 (seeds 13, 14),
# every other condition and 2,080 non-digits the same; written loops (0, 2, 4, 6, 8, 9 under 10
# conditions) would be filled 6 -> 10 times of 2,256.
# In a line of digits (`read`'s pieces) outlines are rare and narrow 0s common: 3.6 there read
# validation numbers 0 / -2 / -1 of 360 (seeds 1, 21, 22), a 0's loop filled.
LINE_ELONGATED = 4.5
BENT_ELONGATED = 3.1  # ... or this, for a hole that bends (not convex along rows or columns)
HOLLOW_BEND = 2.2  # and is this many times as thick as its rims: a pen's outline around a wide stroke
BENT = 0.25  # share of a hole's rows (or columns) crossing it twice that makes it bent
THICKER = 5.0  # a ribbon is at most this many times as thick as the rim around it
THINNER = 0.4  # and at least this: thinner slits are gaps between strokes written close together
HOLLOW = 0.2  # the ribbons are at least this share of the filled digit: it is hollow, not gappy
# An outlined 1 encloses one straight slit that a narrow 0's hole resembles in perimeter^2 / area;
# the slit is longer for its width (principal axes), wider than the rims and as large as the
# outline itself. Validation photos, seeds 1 and 2 (8 conditions x 300): 47 of 49 unfilled
# outlined 1s have such a hole, none of 2211 written loops (0, 6, 8, 9, 4, ...) has.
SLIT_ASPECT, SLIT_THICK, SLIT_SHARE = 4.0, 1.5, 0.6
# A pen's outline around a wide stroke encloses a short, fat ribbon (perimeter^2 / (4 pi area)
# 2.7-4.8, 3.4-5.5 times as thick as the rims) that a written loop resembles. Holes BOLD_ELONGATED
# or more and BOLD_THICK to BOLD_THICKER rims thick are filled in a second reading, and the
# network takes the more confident one (validation photos, outlined digits, seeds 11-13: 373 ->
# 387 of 420, seed 14 through the API 161 -> 164 of 180; thin, felt, thick, ballpoint, pencil and
# non-digits unchanged). Filling them always read 87 of 120 (outlined 0s', 6s', 8s' loops too).
BOLD_ELONGATED, BOLD_THICK, BOLD_THICKER = 2.5, 2.5, 8.0


def ribbon_holes(region: np.ndarray, box: tuple[int, int, int, int], bold: bool = False,
                 elongated: float = ELONGATED) -> tuple[np.ndarray, np.ndarray | None]:
    """(H, W) bool digit region -> (H, W) bool of the holes to fill (all False if none), and
    bold: of those a bolder rule (BOLD_*) would fill, else None. elongated: ELONGATED for a
    digit alone, LINE_ELONGATED for a piece of a line."""
    t, b, l, r = box
    inside = region[max(t - 1, 0) : b + 1, max(l - 1, 0) : r + 1]  # (h, w): box + 1 px ring
    holes = label(~inside, np.ones(inside.shape, np.float32))
    enclosed = is_enclosed(holes, inside.shape)
    if not enclosed.any():
        return np.zeros(region.shape, bool), None  # nothing a bolder rule could fill either
    ids = label_image(holes, inside.shape)  # (h, w) hole label per pixel, -1 on the digit
    on = ids >= 0
    perimeter = np.bincount(ids[on], weights=exposed_edges(on)[on], minlength=holes.count)
    area = holes.area
    rim = mask_stroke_width(inside)  # the digit's stroke thickness
    e = perimeter**2 / (4 * np.pi * np.maximum(area, 1))
    thickness = 2 * area / np.maximum(perimeter, 1)
    hollow_bend = (e > BENT_ELONGATED) & (thickness >= HOLLOW_BEND * rim) & _bent(ids, holes.count)
    slit = (thickness >= SLIT_THICK * rim) & (area >= SLIT_SHARE * inside.sum()) & (_aspect(ids, holes.count) >= SLIT_ASPECT)

    def filled(elongated: np.ndarray, thinner: float, thicker: float) -> np.ndarray:
        out = np.zeros(region.shape, bool)
        ribbon = enclosed & elongated & (thickness <= thicker * rim) & (thickness >= thinner * rim)
        if area[ribbon].sum() >= HOLLOW * (area[ribbon].sum() + inside.sum()):  # else a pen's gaps
            chosen = among(ids, np.flatnonzero(ribbon), holes.count)  # (h, w)
            out[max(t - 1, 0) : b + 1, max(l - 1, 0) : r + 1] = chosen
        return out

    bolder = filled((e > BOLD_ELONGATED) | hollow_bend | slit, BOLD_THICK, BOLD_THICKER) if bold else None
    return filled((e > elongated) | hollow_bend | slit, THINNER, THICKER), bolder


def is_enclosed(paper: Components, shape: tuple[int, int]) -> np.ndarray:
    """(n,) bool: the components of the paper (of an image of `shape`) that touch none of its
    sides, holes the ink encloses."""
    h, w = shape
    return (paper.top > 0) & (paper.left > 0) & (paper.bottom < h) & (paper.right < w)


def _aspect(ids: np.ndarray, n: int) -> np.ndarray:
    """(n,) each hole's length over its width: the square root of its second moments' eigenvalues' ratio."""
    on = ids >= 0
    ys, xs = np.nonzero(on)
    k = ids[on]
    count = np.maximum(np.bincount(k, minlength=n), 1)
    my, mx = np.bincount(k, ys, n) / count, np.bincount(k, xs, n) / count
    dy, dx = ys - my[k], xs - mx[k]
    vy, vx, cxy = (np.bincount(k, w, n) / count for w in (dy * dy, dx * dx, dy * dx))
    half, root = (vy + vx) / 2, np.sqrt(((vy - vx) / 2) ** 2 + cxy**2)
    return np.sqrt((half + root) / np.maximum(half - root, 1e-3))


def _bent(ids: np.ndarray, n: int) -> np.ndarray:
    """(n,) bool: the hole is not convex along rows or columns (some row or column crosses it twice).

    A loop's hole (an ellipse, a triangle) is crossed once by every row and column; the ribbon of
    an outlined curved stroke (a 6, a 2, a 9) is crossed twice by many.
    """
    bent = np.zeros(n, bool)
    for a in (ids, ids.T):
        prev = np.pad(a, ((0, 0), (1, 0)), constant_values=-1)[:, :-1]
        starts = (a >= 0) & (a != prev)  # (h, w): where a run of a hole begins
        key = a[starts] * a.shape[0] + np.nonzero(starts)[0]  # (hole, row) of each run
        runs_per_row = np.bincount(key, minlength=n * a.shape[0]).reshape(n, a.shape[0])
        rows = (runs_per_row >= 1).sum(1)
        bent |= (runs_per_row >= 2).sum(1) >= BENT * np.maximum(rows, 1)
    return bent


def label_image(c: Components, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) int: each pixel's component label, -1 outside every component."""
    out = np.full(shape, -1, int)
    lengths = c.end - c.start
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[np.repeat(c.row, lengths), np.repeat(c.start, lengths) + offsets] = np.repeat(c.label, lengths)
    return out


def mask_stroke_width(mask: np.ndarray) -> float:
    """(H, W) bool strokes -> their width in px: area over half the perimeter (a long stroke's
    perimeter is about twice its length)."""
    return 2 * float(mask.sum()) / max(float(exposed_edges(mask).sum()), 1.0)


def exposed_edges(mask: np.ndarray) -> np.ndarray:
    """(H, W) int: how many of each mask pixel's 4 neighbours are outside the mask (0 off it)."""
    p = np.pad(mask, 1)
    inner = p[:-2, 1:-1].astype(int) + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]
    return np.where(mask, 4 - inner, 0)
