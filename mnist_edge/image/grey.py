"""Any PIL image -> grey levels in [0, 1], with transparency handled where it is the background.

What it is: for an image without transparency, mnist_edge.image.modes.to_grayscale (any mode,
reduced to a long side <= 1024). With transparency (an alpha channel, or a palette / grey image
with a transparent index), the alpha says where the drawing is, whatever colour the program
stored in the transparent pixels (white, black, anything). Mostly transparent: the opaque pixels
are the strokes, put on a ground that contrasts with their colour. Mostly opaque: the holes are
incidental (the corners of a rotated scan) and take the paper colour.
What it isn't: background removal (background.py).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_edge.image import background as bg
from mnist_edge.image import modes
from mnist_edge.image.load import MAX_SIDE

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L"


def to_grey(img: Image.Image, source: str = "<image>") -> tuple[np.ndarray, bool]:
    """-> ((H, W) float32 in [0, 1], long side <= MAX_SIDE; True if the ground is flat).

    The ground is flat when the strokes were put on it here (mostly transparent images): there
    is no lighting to remove, and a background model could only take thick strokes for paper.
    """
    if img.mode not in modes.ALPHA_MODES and "transparency" not in img.info:
        return modes.to_grayscale(img, source), False
    rgba = img.convert("RGBA")
    factor = -(-max(rgba.size) // MAX_SIDE)
    a = np.asarray(rgba, dtype=np.float32) / 255  # (H, W, 4)
    if factor > 1:  # premultiplied box average: a transparent pixel's colour must not bleed in
        h, w = (a.shape[0] // factor) * factor, (a.shape[1] // factor) * factor
        a = a[:h, :w]
        a[..., :3] *= a[..., 3:]
        a = a.reshape(h // factor, factor, w // factor, factor, 4).mean(axis=(1, 3))
        a[..., :3] /= np.maximum(a[..., 3:], 1e-6)
    return composite(a[..., :3] @ _LUMA, a[..., 3]), bool(a[..., 3].mean() < 0.5)


def composite(lum: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(H, W) luminance and alpha -> (H, W) grey on the right ground (module docstring)."""
    if alpha.min() >= 1.0:
        return lum.astype(np.float32)
    opaque = alpha >= 0.5
    if alpha.mean() < 0.5:  # mostly transparent: the opaque pixels are the strokes
        ink = float((lum * alpha).sum() / max(float(alpha.sum()), 1e-12))
        ground = 1.0 if ink < 0.5 else 0.0
    else:  # mostly opaque: fill the holes with the paper colour
        ground = modes.median(lum[opaque]) if opaque.any() else 1.0
    return (lum * alpha + ground * (1.0 - alpha)).astype(np.float32)


def analysed_grey(img: Image.Image, source: str = "<image>") -> tuple[np.ndarray, bool, int]:
    """-> ((H, W) grey in [0, 1] as analysed, flat ground?, analysed px -> img px factor)."""
    gray, flat = to_grey(img, source)  # reduced by ceil(long side / MAX_SIDE)
    gray, f = bg.reduce_for_analysis(gray)  # (H, W) in [0, 1]
    return gray, flat, f * -(-max(img.size) // MAX_SIDE)
