"""Fitting: a photo or scan of one handwritten digit -> the (28, 28) array MNIST nets expect.

What it is: MNIST's own recipe applied to real images, with numpy and Pillow only: make the
digit white on black, find its box, fit the box's longer side to 20 px (antialiased, aspect
kept), paste into 28 x 28 with the centre of mass on pixel (14, 14), strokes stretched to 1.
A 28 x 28 MNIST digit passes through unchanged (its box is already 20 px and mass-centred).
What it isn't: loading (load.py), grey levels (grey.py), a segmenter of several digits, or
inference. It does no deskewing and no per-pixel normalisation (MNIST mean/std is the model's job).

Design choices (tests/core/test_preprocess.py measures them on real MNIST digits):
- Inversion: the background is the median of the border frame; the image is inverted when
  its darkest pixels lie further below the background than its brightest lie above it.
- Box: a pixel is digit if it is above 25% of the ink contrast both itself and on a copy
  box-blurred in proportion to the image size, so isolated speckles (and sensor/JPEG noise)
  never reach the box: that is the "mass" required. On MNIST digits a 25% threshold gives
  the 20 px box exactly. The threshold only finds the box: the output keeps the grey levels,
  less the local background (median of a ring around the box, robust to uneven lighting),
  stretched so the strokes reach 1.
- Placement: whole-pixel shifts putting the mass centre nearest (14, 14) (0-based rows and
  columns), which is where MNIST's own digits have it (test-set mean 13.99, 14.00).
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from mnist_edge.errors import NotADigit
from mnist_edge.image.grey import median, to_grayscale
from mnist_edge.image.load import load_image

SIZE, BOX, CENTRE = 28, 20, 14.0  # MNIST: 28 x 28 field, 20 x 20 box, mass centre at (14, 14)
BOX_THRESHOLD = 0.25  # fraction of the ink contrast that counts as digit when finding the box
MIN_CONTRAST = 0.1  # ink contrast (on [0, 1], after blurring) below which the image is blank
MARGIN = 4  # output pixels kept around the box: MNIST's faint grey edges reach 4 px past it


def preprocess_image(img: Image.Image, source: str = "<image>") -> np.ndarray:
    """One digit image -> (28, 28) float32 in [0, 1], white digit on black, MNIST-placed."""
    gray, smooth, ground = _white_on_black(to_grayscale(img, source))  # (H, W) x 2, float
    box = _digit_box(gray, smooth, ground)
    boxed = None if box is None else _boxed_digit(gray, box, ground)
    if boxed is None:
        raise NotADigit(f"{source}: no digit found (blank image)", "blank")
    return _place(*boxed)


def preprocess_file(path: str | os.PathLike) -> np.ndarray:
    """load_image + preprocess_image: (28, 28) float32 in [0, 1]; UserError names the path."""
    return preprocess_image(load_image(path), str(path))


def _white_on_black(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(H, W) -> the image and a blurred copy, inverted if the ink is dark; the background level.

    The background is the border's median; the ink is dark when the darkest (blurred) pixels lie
    further below the background than the brightest lie above it.
    """
    smooth = _box_blur(gray, _blur_size(gray.shape))  # (H, W), speckles averaged away
    ground = median(_border(smooth))
    if ground - smooth.min() > smooth.max() - ground:
        return 1.0 - gray, 1.0 - smooth, 1.0 - ground
    return gray, smooth, ground


def _blur_size(shape: tuple[int, ...]) -> int:
    """Odd box size growing with the image: 1 (none) below 100 px, 3 from 100, 5 from 200, ..."""
    return 2 * (min(shape) // 100) + 1


def _box_blur(a: np.ndarray, k: int) -> np.ndarray:
    """(H, W) -> (H, W): mean over a k x k window (edges replicated), via an integral image."""
    if k <= 1:
        return a
    padded = np.pad(a, k // 2, mode="edge")  # (H+k-1, W+k-1)
    c = np.pad(padded.cumsum(0, dtype=np.float64).cumsum(1), ((1, 0), (1, 0)))  # (H+k, W+k)
    sums = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]  # (H, W)
    return (sums / (k * k)).astype(np.float32)


def _border(a: np.ndarray) -> np.ndarray:
    """(H, W) -> (n,): the pixels of the outer frame, 1/20 of the shorter side wide (>= 1 px)."""
    w = max(1, min(a.shape) // 20)
    return np.concatenate([a[:w].ravel(), a[-w:].ravel(), a[:, :w].ravel(), a[:, -w:].ravel()])


def _digit_box(gray: np.ndarray, smooth: np.ndarray, ground: float) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), end-exclusive, of the digit's pixels; None if blank.

    A pixel is the digit's if it is above the threshold both itself (sharp edges) and blurred
    (so it has mass around it: an isolated speck is averaged below the threshold).
    """
    contrast = float(smooth.max()) - ground
    if contrast < MIN_CONTRAST:
        return None
    threshold = ground + BOX_THRESHOLD * contrast
    mask = (gray > threshold) & (smooth > threshold)  # (H, W)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _boxed_digit(gray: np.ndarray, box: tuple[int, int, int, int], ground: float):
    """Crop box + margin, subtract the local background, fit the box's longer side to BOX px.

    -> ((h', w') float32 in [0, 1] with strokes reaching 1, the box within it), or None if blank.
    """
    top, bottom, left, right = box
    scale = BOX / max(bottom - top, right - left)
    m = int(np.ceil(MARGIN / scale))  # MARGIN output pixels, in input pixels
    t0, l0 = max(0, top - m), max(0, left - m)
    crop = gray[t0 : bottom + m, l0 : right + m]  # (h, w): the box and a margin ring
    inner = (top - t0, bottom - t0, left - l0, right - l0)  # the box within the crop
    crop = crop - _local_ground(crop, inner, ground)  # background ~0, ink > 0
    digit = np.clip(_resize(crop, scale), 0.0, None)  # (h', w')
    peak = float(digit.max())
    if peak <= 0.0:
        return None
    return np.minimum(digit / peak, 1.0), tuple(round(v * scale) for v in inner)


def _local_ground(crop: np.ndarray, box: tuple[int, int, int, int], ground: float) -> float:
    """Median of the margin ring around the box: the paper level here, despite uneven lighting."""
    ring = np.ones(crop.shape, dtype=bool)  # (h, w)
    ring[box[0] : box[1], box[2] : box[3]] = False
    return median(crop[ring]) if ring.any() else ground


def _resize(crop: np.ndarray, scale: float) -> np.ndarray:
    """(h, w) -> (round(h * scale), round(w * scale)); BOX filter (area average) when shrinking."""
    if scale == 1.0:
        return crop
    h, w = crop.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # Pillow: (width, height)
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    image = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32))  # mode "F"
    return np.asarray(image.resize(size, resample), dtype=np.float32)


def _place(digit: np.ndarray, inner: tuple[int, int, int, int]) -> np.ndarray:
    """(h, w) digit -> (28, 28), shifted by whole pixels so its mass centre is nearest (14, 14).

    Whole-pixel shifts, as MNIST did, so a real MNIST digit is neither moved nor resampled. The
    shift is limited so the box (`inner`: top, bottom, left, right) stays in the field; only
    margin pixels may fall off.
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
