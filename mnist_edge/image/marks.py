"""The marks on a page: its ink signal thresholded and cut into connected components.

What it is: find_marks(signal) -> Marks. Sauvola's local threshold on the ink signal normalised
by its local maximum, so faint pencil and dark pen are found alike, above a floor set by the
paper's noise; the table beyond a page's edge (a band of ink along an image edge) and ruling
lines taken out (on a line of digits only where no stroke crosses them); the components
labelled, each with the cluster of fainter ink it belongs to and whether it touches the
image's border. Shared by one digit's search (digit.py) and a line's (segment.py).
What it isn't: the choice among the marks (digit.py, line.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_edge.image import background as bg
from mnist_edge.image import filters
from mnist_edge.image.components import (
    Components,
    among,
    containing,
    grid_out,
    label,
    mask_box,
    ruling_lines,
    touches,
)
from mnist_edge.image.crossing import CROSSING_UP_TO, crossing_lines

MIN_CONTRAST = 0.06  # ink signal (fraction of the paper's brightness) below which nothing is ink
NOISE_FLOOR = 5.0  # ink must stand this many noise stds above the paper (blurred signal)
SAUVOLA_K, SAUVOLA_R = 0.3, 0.5
# A line of digits on a page whose noise sets the floor (above NOISY x MIN_CONTRAST): faint
# strokes reach the floor only here and there, so they grow from those pixels down to GROW x the
# floor (hysteresis; read only). Validation numbers, seeds 1 and 2: photo +1 and +3 of 80, digits
# right 96.45 -> 96.62% and 96.19 -> 96.75%; without the NOISY bound grid lines grew onto digits.
GROW, NOISY = 0.5, 2.0
# A band of ink along an image edge covering this share of each of its rows is the dark table beyond
# a page's edge, too narrow for the background to follow; it reaches at most TILT of the side past
# its full rows (a page's edge is seldom square to the photo).
EDGE_BAND, TILT = 0.9, 0.06


@dataclass
class Marks:
    """The marks on a page: the ink signal, its thresholds and its connected components."""

    s: np.ndarray  # (H, W) float32 ink signal (lines across a small crop taken out)
    sb: np.ndarray  # (H, W) the signal as thresholded (3 x 3 blurred on a page)
    floor: float  # ink signal below which nothing is ink
    comps: Components  # of the ink mask (ruling lines removed), with .cluster, .on_border, .beside_ruling
    noise: float
    small: bool  # a digit-sized crop (one background level), not a page
    lines: np.ndarray | None = None  # (H, W) bool: the ruling lines found (crossings only)
    crossed: bool = False  # straight lines across a small crop were found and taken out


def find_marks(signal: bg.InkSignal, crossings: bool = False) -> Marks | None:
    """The ink signal -> its marks (Sauvola, ruling lines out, components); None when blank.

    crossings: take out only the lines' pixels no stroke crosses (a line of digits on grid
    paper), found among all ink above the floor, not only Sauvola's; on a noisy page, let the
    strokes grow into fainter ink (GROW)."""
    s = signal.s
    small = signal.cell == 0
    crossed = False
    if small and max(s.shape) <= CROSSING_UP_TO:  # a digit-sized crop: lines across it are not the digit's
        across = crossing_lines(s, 0.3 * float(s.max()))  # (H, W) bool
        crossed = bool(across.any())
        s = np.where(across, 0.0, s).astype(np.float32)
    sb = s if small else filters.box_blur(s, 3)  # (H, W): speckles averaged down
    grain = signal.reduced**bg.GRAIN  # the noise as before reducing
    std = filters.robust_std(sb)
    floor = NOISE_FLOOR * std * grain
    crowd = None if small else filters.crowd_top(sb, std, NOISE_FLOOR * grain)
    floor = max(MIN_CONTRAST, floor if crowd is None else min(floor, crowd))
    if float(sb.max()) < floor:
        return None
    band = None if small else _edge_band(sb > floor)  # the table beyond the page's edge is no ink
    if band is not None:
        s, sb = np.where(band, 0.0, s).astype(np.float32), np.where(band, 0.0, sb).astype(np.float32)
    grow = crossings and not small and floor > NOISY * MIN_CONTRAST  # fainter ink joins the strokes
    sauvola = _sauvola(sb, floor, signal.cell, GROW * floor if grow else floor)
    mask = sauvola & (sb > floor)
    lines = ruled = None
    if crossings and not small:
        mask, faded, lines = grid_out(mask, sb > floor)
        s, sb = np.where(faded, 0.0, s).astype(np.float32), np.where(faded, 0.0, sb).astype(np.float32)
        if grow:
            weak = label(sauvola & (sb > GROW * floor) & ~lines)
            mask |= weak.mask_of(weak.label[touches(weak, mask)], s.shape)
    elif not small:
        ruled = ruling_lines(mask)
        mask &= ~ruled
    comps = label(mask, np.clip(sb, 0, None))
    comps.cluster = containing(label(sb > 0.5 * floor), comps)  # joined by fainter ink: one digit
    grown = label(filters.dilate(mask, 5))  # marks 2 px apart joined
    h, w = s.shape
    edge = (grown.top <= 1) | (grown.left <= 1) | (grown.bottom >= h - 1) | (grown.right >= w - 1)
    comps.on_border = edge[containing(grown, comps)]  # touching the border, or a mark that does
    comps.beside_ruling = np.zeros(comps.count, bool)  # a stub the ruling taken out left beside a stroke
    if ruled is not None and ruled.any():
        comps.beside_ruling = np.bincount(comps.label, touches(comps, filters.dilate(ruled, 3)), comps.count) > 0
    return Marks(s, sb, floor, comps, signal.noise, small, lines, crossed)


def _sauvola(sb: np.ndarray, floor: float, cell: int, least: float) -> np.ndarray:
    """(H, W) bool: Sauvola's threshold on the signal normalised by its local maximum, decided in
    the box of the pixels above `least` (the caller's use of it) and False outside."""
    if cell:
        local_max = filters.upsample(filters.max_filter(filters.block_max(sb, cell), 3), sb.shape, cell)
    else:
        local_max = np.full(sb.shape, float(sb.max()), np.float32)
    t = 1.0 - np.clip(sb / np.maximum(local_max, floor), 0, 1)  # dark ink on white, in [0, 1]
    # The window spans several strokes: inside a stroke as wide as the window, the ink is its own
    # local mean and Sauvola cuts it apart. A background widened for wide strokes (digit.WIDE_STROKE)
    # widens it alike (the default window is 0.75 x the default cell).
    k = max(9, min(sb.shape) // 8, int(0.75 * cell)) | 1
    out = np.zeros(sb.shape, bool)
    box = mask_box(sb > least)  # often a fifth of the page
    if box is None:
        return out
    mean = filters.box_blur(t, k, box)  # (h, w): the box's pixels
    sd = np.sqrt(np.clip(filters.box_blur(t * t, k, box) - mean * mean, 0, None))
    inside = t[box[0] : box[1], box[2] : box[3]]
    out[box[0] : box[1], box[2] : box[3]] = inside < mean * (1 + SAUVOLA_K * (sd / SAUVOLA_R - 1))
    return out


def _edge_band(ink: np.ndarray) -> np.ndarray | None:
    """(H, W) bool: the bands of ink along the image's edges (EDGE_BAND), each from the edge to
    where every column's ink ends, but not past TILT; not where one mark runs from the band to
    the opposite edge (a digit cropped tightly: its bar along the edge, its stem to the other).
    None when there is no band (nearly every photo: then nothing is copied)."""
    if max(ink[0].mean(), ink[-1].mean(), ink[:, 0].mean(), ink[:, -1].mean()) < 0.5:
        return None  # no edge is inked
    closed = filters.dilate(ink, 5)  # the table's texture leaves holes in its ink
    bands, taken = {}, np.zeros(ink.shape, bool)
    for k in range(4):
        m = np.rot90(closed, k)  # (h, w) view with row 0 along the edge
        n = int(np.argmin(m.mean(axis=1) >= EDGE_BAND))  # full rows from the edge
        if n:
            depth = np.where(m.all(axis=0), m.shape[0], m.argmin(axis=0))  # (w,) ink from the edge, per column
            depth = np.minimum(depth, n + int(TILT * m.shape[1]) + 2)
            depth = np.minimum(depth, np.ceil(_straight(depth)) + 1)  # not into a digit touching it
            bands[k] = np.rot90(np.arange(m.shape[0])[:, None] < depth[None, :], -k)
            taken |= bands[k]
    rest = label(closed & ~taken)
    band = np.zeros(ink.shape, bool)
    for k, b in bands.items():
        far = np.zeros(ink.shape, bool)
        np.rot90(far, k)[-1] = True  # the opposite edge
        beside, reaching = (rest.label[touches(rest, edge)] for edge in (filters.dilate(b, 3), far))
        if not among(beside, reaching, rest.count).any():
            band |= b
    return band if band.any() else None


def _straight(depth: np.ndarray) -> np.ndarray:
    """(w,) a band's depth per column -> (w,) the straight edge through it (least squares over the
    columns no deeper than the median + 3 px: where a mark touches the band, it looks deeper)."""
    cols = np.arange(depth.size)
    keep = depth <= np.median(depth) + 3
    slope, intercept = np.polyfit(cols[keep], depth[keep], 1)
    return intercept + slope * cols
