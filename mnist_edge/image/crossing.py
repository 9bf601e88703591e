"""Straight lines drawn across a small crop (a fold, a rule, a stroke through the field).

What it is: for a crop of about digit size (MNIST-style, 28 x 28 and up to ~100 px), find the
straight lines of ink that run from one edge of the field to another, by projecting the ink
along 90 directions (a Hough transform with whole-pixel offsets), and take them out where they
are not covered by the digit's own strokes (the ink beside the line, across it, decides).
A digit never reaches the field's edge at both ends of a straight stroke: MNIST-style crops
keep a margin, so a 1 is not taken for a line.
What it isn't: ruling on photos (components.ruling_lines) or anything on large images.
"""

from __future__ import annotations

import numpy as np

ANGLES = np.radians(np.arange(0, 180, 2))
EDGE = 2.5  # px: a line reaches the field's edge when its ink comes this close to it
COVER = 0.8  # share of the line's chord across the field that must be ink


def crossing_lines(ink: np.ndarray, level: float) -> np.ndarray:
    """(H, W) ink signal -> (H, W) bool of pixels on edge-to-edge straight lines, off the digit."""
    h, w = ink.shape
    ys, xs = np.nonzero(ink > level)
    out = np.zeros(ink.shape, bool)
    if ys.size == 0:
        return out
    for angle in ANGLES:
        ny, nx = np.cos(angle), -np.sin(angle)  # normal; the line runs along (sin, cos)
        rho = np.round(ys * ny + xs * nx).astype(int)
        offset = rho.min()
        counts = np.bincount(rho - offset)
        for peak in np.flatnonzero(counts >= COVER * min(h, w)):
            on = np.abs(rho - (peak + offset)) <= 0
            if _edge_to_edge(ys[on], xs[on], angle, h, w):
                out[ys[on], xs[on]] = True
    return out & ~_beside_strokes(ink > level, out)


def _edge_to_edge(ys: np.ndarray, xs: np.ndarray, angle: float, h: int, w: int) -> bool:
    """The pixels' two extremes along the line lie near the field's border, and ink covers the chord."""
    t = ys * np.sin(angle) + xs * np.cos(angle)
    first, last = int(np.argmin(t)), int(np.argmax(t))
    near = lambda y, x: min(y, x, h - 1 - y, w - 1 - x) <= EDGE  # noqa: E731
    chord = float(t.max() - t.min()) + 1
    return near(ys[first], xs[first]) and near(ys[last], xs[last]) and len(ys) >= COVER * chord


def _beside_strokes(ink: np.ndarray, line: np.ndarray) -> np.ndarray:
    """(H, W) bool: line pixels whose 3 x 3 neighbourhood holds more ink than a line alone would."""
    other = (ink & ~line).astype(np.float32)
    p = np.pad(other, 1)
    h, w = ink.shape
    around = sum(p[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3))
    return around >= 3
