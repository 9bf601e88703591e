"""Straight lines drawn across a small crop (a fold, a rule, a stroke through the field).

What it is: for a crop of about digit size (MNIST-style, 28 x 28 and up to ~100 px), find the
straight lines of ink that run from one edge of the field to another, by projecting the ink
along 180 directions (a Hough transform with whole-pixel offsets), and take them out where they
are not covered by the digit's own strokes (the ink beside the line, across it, decides).
A digit never reaches the field's edge at both ends of a straight stroke: MNIST-style crops
keep a margin, so a 1 is not taken for a line.
What it isn't: ruling on photos (components.ruling_lines) or anything on large images.
"""

from __future__ import annotations

import numpy as np

from mnist_edge.image.filters import neighbourhood3

ANGLES = np.radians(np.arange(0, 180, 1.0))  # 1 degree apart: at 2, a 1 px line across 28 px at 45
# degrees drifted 0.7 px off its offset and split between two, found at neither
CROSSING_UP_TO = 100  # px: crops whose longer side is at most this are searched for lines across them
EDGE = 2.5  # px: a line reaches the field's edge when its ink comes this close to it
COVER = 0.8  # share of the columns (or rows) the line spans that hold its ink


def crossing_lines(ink: np.ndarray, level: float) -> np.ndarray:
    """(H, W) ink signal -> (H, W) bool of pixels on edge-to-edge straight lines, off the digit."""
    h, w = ink.shape
    ys, xs = np.nonzero(ink > level)
    out = np.zeros(ink.shape, bool)
    if ys.size == 0:
        return out
    normals = np.stack([np.cos(ANGLES), -np.sin(ANGLES)], 1)  # (A, 2); the line runs along (sin, cos)
    rho = np.round(normals @ np.stack([ys, xs])).astype(int)  # (A, n) offset of each pixel, per angle
    rho -= rho.min(axis=1, keepdims=True)
    size = int(rho.max()) + 1
    counts = np.bincount((rho + size * np.arange(len(ANGLES))[:, None]).ravel(), minlength=size * len(ANGLES))
    for a, peak in zip(*np.nonzero(counts.reshape(len(ANGLES), size) >= COVER * min(h, w))):
        on = rho[a] == peak
        if _edge_to_edge(ys[on], xs[on], ANGLES[a], h, w):
            out[ys[on], xs[on]] = True
    return out & ~_beside_strokes(ink > level, out)


def _edge_to_edge(ys: np.ndarray, xs: np.ndarray, angle: float, h: int, w: int) -> bool:
    """The pixels' two extremes along the line lie near the field's border, and ink covers the chord."""
    t = ys * np.sin(angle) + xs * np.cos(angle)
    first, last = int(np.argmin(t)), int(np.argmax(t))
    near = lambda y, x: min(y, x, h - 1 - y, w - 1 - x) <= EDGE  # noqa: E731
    along = xs if np.ptp(xs) >= np.ptp(ys) else ys  # a 1 px line has a pixel in each column (or row) it spans
    covered = np.count_nonzero(np.bincount(along - along.min()))
    return near(ys[first], xs[first]) and near(ys[last], xs[last]) and covered >= COVER * (np.ptp(along) + 1)


def _beside_strokes(ink: np.ndarray, line: np.ndarray) -> np.ndarray:
    """(H, W) bool: line pixels whose 3 x 3 neighbourhood holds more ink than a line alone would."""
    other = (ink & ~line).astype(np.float32)
    around = sum(neighbourhood3(np.pad(other, 1)))
    return around >= 3
