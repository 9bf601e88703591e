"""MNIST-style 28 x 28 digits, degraded: noise, blur, low contrast, occluding lines, outlines.

What it is: SMALL_CONDITIONS and degrade(digit, rng, condition, severity) -> a 28 x 28 "L" PIL
image, white digit on black as MNIST, as a user might save a small crop. Deterministic for an rng.
Four conditions leave the grid: "tight16", the digit cropped to its own box and scaled to 16 x 16
(as USPS's scans are), then to 16, 28 or 64 px, dark on light: a scan cut around the digit;
"scan16", another data set's small scan scaled up (its strokes as wide as a page's paper
window, its ink nearly half the pixels, light on dark or binary at the higher severities); and
"blocks8", made as UCI's optdigits are (8 x 8 counts of a 32 x 32 bitmap), scaled up; "large8"
the same at a page's size.
What it isn't: photos (photos.py).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from mnist_edge.synth.strokes import as_coverage, as_image

SMALL_CONDITIONS = {
    "noise28": "gaussian noise sigma 0.1/0.2/0.3",
    "blur28": "gaussian blur sigma 0.7/1.0/1.4 px",
    "contrast28": "digit 0.45/0.3/0.18 over a grey 0.1-0.3 background",
    "lines28": "1/2/3 lines crossing the field",
    "outline28": "hollow digit (its rim only)",
    "speckle28": "salt-and-pepper 2/5/10% of pixels",
    "tight16": "cropped to its box, 16 x 16, scaled to 16/28/64 px, dark on light",
    "scan16": "its box squared, 16 x 16, scaled up: 128 px dark on light / 160 px light on dark / "
              "binary, 192 px (nearest), light on dark",
    "blocks8": "as UCI's optdigits: its box in 32 x 32 binary, ink counted in 4 x 4 blocks (8 x 8, "
               "17 levels), scaled up (bilinear) to 16/32/64 px, dark on light",
    "large8": "as blocks8, scaled up to 128/192/256 px (a page's size: its rules must not apply)",
}


def degrade(digit_u8: np.ndarray, rng: np.random.Generator, condition: str, severity: int) -> Image.Image:
    """(28, 28) uint8 MNIST digit -> the degraded 28 x 28 image (mode "L")."""
    x = digit_u8.astype(np.float32) / 255  # (28, 28) in [0, 1]
    s = severity - 1
    if condition == "noise28":
        x = x + (0.1, 0.2, 0.3)[s] * rng.standard_normal(x.shape)
    elif condition == "blur28":
        x = as_coverage(as_image(x).filter(ImageFilter.GaussianBlur((0.7, 1.0, 1.4)[s])))
        x = x / max(float(x.max()), 1e-6)
    elif condition == "contrast28":
        ground = rng.uniform(0.1, 0.3)
        x = ground + (0.45, 0.3, 0.18)[s] * x + 0.02 * rng.standard_normal(x.shape)
    elif condition == "lines28":
        x = np.maximum(x, _lines(rng, (1, 2, 3)[s]))
    elif condition == "outline28":
        thick = as_coverage(as_image(x).filter(ImageFilter.MaxFilter(3)))
        x = np.clip(thick - as_coverage(as_image(x).filter(ImageFilter.MinFilter(3 if s < 2 else 5))), 0, 1)
    elif condition == "speckle28":
        n = int(784 * (0.02, 0.05, 0.1)[s])
        x = x.copy()
        x[rng.integers(0, 28, n), rng.integers(0, 28, n)] = rng.choice([0.0, 1.0], size=n)
    elif condition == "tight16":
        return _tight(x, (16, 28, 64)[s])
    elif condition == "scan16":
        return _scan(x, s)
    elif condition == "blocks8":
        return _blocks(x, (16, 32, 64)[s])
    elif condition == "large8":
        return _blocks(x, (128, 192, 256)[s])
    return as_image(x)


def _tight(x: np.ndarray, size: int) -> Image.Image:
    """(28, 28) coverage -> the digit cropped to its box, 16 x 16, then size x size, dark on light."""
    box = as_image(1.0 - _box(x))
    return box.resize((16, 16), Image.Resampling.BILINEAR).resize((size, size), Image.Resampling.BICUBIC)


def _scan(x: np.ndarray, s: int) -> Image.Image:
    """(28, 28) coverage -> its box centred in a square, 16 x 16, scaled up (SMALL_CONDITIONS)."""
    box = _box(x)
    (h, w), side = box.shape, max(box.shape)
    square = np.zeros((side, side), np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = box
    scan = as_coverage(as_image(square).resize((16, 16), Image.Resampling.BILINEAR))  # (16, 16)
    if s == 2:
        scan = (scan > 0.4).astype(np.float32)  # a binary data set (Semeion, optdigits)
    size, resample = ((128, Image.Resampling.BICUBIC), (160, Image.Resampling.BICUBIC),
                      (192, Image.Resampling.NEAREST))[s]
    return as_image(scan if s else 1.0 - scan).resize((size, size), resample)


def _blocks(x: np.ndarray, size: int) -> Image.Image:
    """(28, 28) coverage -> its box scaled into 32 x 32 (aspect kept, centred), binary, the ink of
    each 4 x 4 block counted (8 x 8, 0-16, as optdigits is made), then size x size, dark on light."""
    box = _box(x)
    (h, w), scale = box.shape, 32 / max(box.shape)
    fitted = as_coverage(as_image(box).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                              Image.Resampling.BILINEAR)) > 0.5
    bitmap = np.zeros((32, 32), np.float32)  # (32, 32) binary
    top, left = (32 - fitted.shape[0]) // 2, (32 - fitted.shape[1]) // 2
    bitmap[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)) / 16  # (8, 8) in [0, 1]
    return as_image(1.0 - counts).resize((size, size), Image.Resampling.BILINEAR)


def _box(x: np.ndarray) -> np.ndarray:
    """(28, 28) coverage -> the rows and columns where the digit's ink passes 0.15."""
    rows, cols = np.flatnonzero(x.max(1) > 0.15), np.flatnonzero(x.max(0) > 0.15)
    return x[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _lines(rng: np.random.Generator, count: int) -> np.ndarray:
    """(28, 28) coverage of `count` straight lines crossing the field (a fold, a rule, a stroke)."""
    img = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(img)
    for _ in range(count):
        a, b = rng.uniform(0, 28, 2), rng.uniform(0, 28, 2)
        if rng.random() < 0.5:
            a[0], b[0] = 0, 28
        else:
            a[1], b[1] = 0, 28
        draw.line((a[0], a[1], b[0], b[1]), fill=int(rng.integers(150, 256)), width=1)
    return as_coverage(img)


