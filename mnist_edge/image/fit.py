"""MNIST's own fitting: the digit's box to 20 px (aspect kept, antialiased), mass centre at (14, 14).

What it is: crop the box plus a margin from the ink signal, resize so the box's longer side is
20 px, stretch so the strokes reach 1, and place it in 28 x 28 by whole-pixel shifts putting
the centre of mass nearest (14, 14) (0-based; MNIST's test-set mean is 13.99, 14.00). A digit's
strokes wider than MNIST's writers draw (a felt pen, a marker, a filled outline) are thinned to
a usual width (not read's candidates: pieces and joins of digits, where it gained nothing). A
real 28 x 28 MNIST digit passes through unchanged: its box is already 20 px and mass-centred.
What it isn't: finding the digit (digit.py) or removing the background (background.py).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_edge.image.filters import max_filter
from mnist_edge.image.holes import mask_stroke_width

SIZE, BOX, CENTRE = 28, 20, 14.0  # MNIST: 28 x 28 field, 20 x 20 box, mass centre at (14, 14)
MARGIN = 4  # output pixels kept around the box: MNIST's faint grey edges reach 4 px past it
# Stroke width in output px (pixels > 0.5): MNIST's validation digits have 1.9 at the median, 3.4
# at the 99th percentile (THICK). Wider strokes are brought to THIN_TO (validation photos, 100 a
# row, seed 1: thick, felt pen, outlined 821 -> 837 of 900; 60 a row, seed 2, every condition:
# 4082 -> 4092 of 4140; seed 3: 5124 -> 5133 of 5300; 3000 validation digits as 28 x 28 files:
# 2973 -> 2973). In read's candidates it gained nothing (1500 validation numbers: -1) and lost
# an overlapping pair (tests/mnist/test_read.py).
THICK, THIN_TO = 3.4, 2.4

Box = tuple[int, int, int, int]  # top, bottom, left, right; end-exclusive


def fit(ink: np.ndarray, box: Box, thin: bool = False) -> np.ndarray | None:
    """(H, W) ink signal (>= 0, background 0) and the digit's box -> (28, 28) float32, or None if
    empty; thin: strokes wider than MNIST's thinned (one digit's photo, not read's candidates)."""
    top, bottom, left, right = box
    scale = BOX / max(bottom - top, right - left)
    m = int(np.ceil(MARGIN / scale))  # MARGIN output pixels, in input pixels
    t0, l0 = max(0, top - m), max(0, left - m)
    crop = ink[t0 : bottom + m, l0 : right + m]  # (h, w): the box and a margin ring
    inner = (top - t0, bottom - t0, left - l0, right - l0)
    digit = np.clip(resize(crop, scale), 0.0, None)  # (h', w')
    peak = float(digit.max()) if digit.size else 0.0
    if peak <= 0.0:
        return None
    placed = place(np.minimum(digit / peak, 1.0), tuple(round(v * scale) for v in inner))
    return thinned(placed) if thin and scale != 1.0 else placed  # at MNIST's scale: as its writer drew it


def thinned(pixels: np.ndarray) -> np.ndarray:
    """(28, 28) -> (28, 28): strokes wider than THICK px blended towards a 3 x 3 grey erosion
    (which takes about 1 px off each side) so they are about THIN_TO px wide; others unchanged."""
    width = mask_stroke_width(pixels > 0.5)
    if width <= THICK:
        return pixels
    amount = min(1.0, (width - THIN_TO) / 2)
    out = pixels + np.float32(amount) * (-max_filter(-pixels, 3) - pixels)
    return out / out.max()  # the strokes reach 1 again


def resize(crop: np.ndarray, scale: float) -> np.ndarray:
    """(h, w) -> (round(h * scale), round(w * scale)); BOX filter (area average) when shrinking."""
    if scale == 1.0:
        return crop
    h, w = crop.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # Pillow: (width, height)
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    image = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32))  # mode "F"
    return np.asarray(image.resize(size, resample), dtype=np.float32)


def place(digit: np.ndarray, inner: Box) -> np.ndarray:
    """(h, w) digit -> (28, 28), shifted by whole pixels so its mass centre is nearest (14, 14).

    The shift is limited so the box (`inner`) stays in the field; only margin pixels may fall off.
    """
    h, w = digit.shape
    mass = float(digit.sum())
    cy, cx = float(digit.sum(1) @ np.arange(h)) / mass, float(digit.sum(0) @ np.arange(w)) / mass
    top = int(np.clip(np.floor(CENTRE - cy + 0.5), -inner[0], SIZE - inner[1]))
    left = int(np.clip(np.floor(CENTRE - cx + 0.5), -inner[2], SIZE - inner[3]))
    rows = slice(max(top, 0), min(top + h, SIZE))  # where the digit lands in the field
    cols = slice(max(left, 0), min(left + w, SIZE))
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[rows, cols] = digit[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
    return out
