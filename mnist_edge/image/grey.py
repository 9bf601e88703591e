"""Grey levels: any Pillow image -> (H, W) float32 in [0, 1], transparency composited.

What it is: every mode Pillow decodes (1, L, P, I;16, I, F, RGB, RGBA, LA, PA, CMYK, ...)
reduced by box averaging to a long side of at most MAX_SIDE and flattened to luminance; where
an image has transparency it is composited on a ground chosen from the image itself (below).
What it isn't: loading (load.py) or finding the digit (fit.py).

Transparency: where most of the image is transparent, the opaque pixels are the strokes and are
put on a ground that contrasts with them (white for dark ink, black for light ink), so both
"black pen on transparent" and "white chalk on transparent" work; where most of it is opaque,
the transparency is incidental (e.g. rotated-scan corners) and is filled with the paper colour
(the median of the opaque pixels).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_edge.errors import UserError
from mnist_edge.image.load import MAX_SIDE

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L"
_ALPHA_MODES = {"LA", "PA", "RGBA", "RGBa", "La"}


def to_grayscale(img: Image.Image, source: str = "<image>") -> np.ndarray:
    """Any Pillow mode -> (H, W) float32 in [0, 1], reduced to a long side <= MAX_SIDE."""
    img = _reducible(img)
    factor = -(-max(img.size) // MAX_SIDE)  # ceil
    if factor > 1:
        img = img.reduce(factor)  # box average: also averages noise away
    if img.mode in ("I", "F"):
        return _scale_numeric(np.asarray(img))
    if img.mode == "RGBA":
        return _flatten_alpha(np.asarray(img, dtype=np.float32) / 255)
    try:
        return np.asarray(img.convert("L"), dtype=np.float32) / 255
    except ValueError:
        raise UserError(f"{source}: unsupported image mode {img.mode}") from None


def _reducible(img: Image.Image) -> Image.Image:
    """The image in a mode Image.reduce accepts; anything with transparency becomes RGBA."""
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        return img if img.mode == "RGBA" else img.convert("RGBA")
    if img.mode in ("1", "P"):
        return img.convert("L")
    if img.mode.startswith("I;16"):
        return img.convert("I")  # same values, int32
    return img


def _scale_numeric(a: np.ndarray) -> np.ndarray:
    """(H, W) int32 or float32 of unknown range -> float32 [0, 1]: by 1, 255 or 65535, else min-max."""
    a = np.nan_to_num(a.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(a.min()), float(a.max())
    for full in (1.0, 255.0, 65535.0):
        if lo >= 0 and hi <= full:
            return a / full
    return (a - lo) / max(hi - lo, 1e-12)


def _flatten_alpha(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) float in [0, 1] -> (H, W) luminance composited on a ground (module docstring)."""
    lum, alpha = rgba[..., :3] @ _LUMA, rgba[..., 3]  # (H, W) each
    if alpha.min() >= 1.0:
        return lum
    if alpha.mean() < 0.5:  # mostly transparent: the opaque pixels are the strokes
        ink = float((lum * alpha).sum() / max(float(alpha.sum()), 1e-12))
        ground = 1.0 if ink < 0.5 else 0.0
    else:  # mostly opaque: fill the holes with the paper colour
        ground = median(lum[alpha >= 0.5])
    return lum * alpha + ground * (1.0 - alpha)


def median(values: np.ndarray) -> float:
    """np.median of the values, without np.median's import of numpy.ma (15 ms, 1.2 MiB at start-up)."""
    v = np.asarray(values).ravel()  # (n,), n >= 1
    k = v.size // 2
    if v.size % 2:
        return float(np.partition(v, k)[k])
    part = np.partition(v, (k - 1, k))
    return (float(part[k - 1]) + float(part[k])) / 2
