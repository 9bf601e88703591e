"""MNIST's own fitting: the digit's box to 20 px (aspect kept, antialiased), mass centre at (14, 14).

What it is: crop the box plus a margin from the ink signal, resize so the box's longer side is
20 px, stretch so the strokes reach 1, and place it in 28 x 28 by whole-pixel shifts putting
the centre of mass nearest (14, 14) (0-based; MNIST's test-set mean is 13.99, 14.00). A real
28 x 28 MNIST digit passes through unchanged: its box is already 20 px and mass-centred.
What it isn't: finding the digit (digit.py) or removing the background (background.py).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIZE, BOX, CENTRE = 28, 20, 14.0  # MNIST: 28 x 28 field, 20 x 20 box, mass centre at (14, 14)
MARGIN = 4  # output pixels kept around the box: MNIST's faint grey edges reach 4 px past it

Box = tuple[int, int, int, int]  # top, bottom, left, right; end-exclusive


def fit(ink: np.ndarray, box: Box) -> np.ndarray | None:
    """(H, W) ink signal (>= 0, background 0) and the digit's box -> (28, 28) float32, or None if empty."""
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
    return place(np.minimum(digit / peak, 1.0), tuple(round(v * scale) for v in inner))


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
