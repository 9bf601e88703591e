"""Image modes -> grey levels: an opaque Pillow image -> (H, W) float32 in [0, 1], reduced in size.

What it is: every opaque mode Pillow decodes (1, L, P, I;16, I, F, RGB, CMYK, ...) reduced by box
averaging to a long side of at most MAX_SIDE and flattened to luminance; median() without numpy.ma.
What it isn't: loading (load.py) or transparency, which grey.py composites before this is called.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_edge.errors import UserError
from mnist_edge.image.load import MAX_SIDE

ALPHA_MODES = {"LA", "PA", "RGBA", "RGBa", "La"}


def to_grayscale(img: Image.Image, source: str = "<image>") -> np.ndarray:
    """Any Pillow mode -> (H, W) float32 in [0, 1], reduced to a long side <= MAX_SIDE."""
    img = _reducible(img)
    factor = -(-max(img.size) // MAX_SIDE)  # ceil
    if factor > 1:
        img = img.reduce(factor)  # box average: also averages noise away
    if img.mode in ("I", "F"):
        return _scale_numeric(np.asarray(img))
    try:
        return np.asarray(img.convert("L"), dtype=np.float32) / 255
    except ValueError:
        raise UserError(f"{source}: unsupported image mode {img.mode}") from None


def _reducible(img: Image.Image) -> Image.Image:
    """The image in a mode Image.reduce accepts (alpha, if any, is dropped: grey.py handles it)."""
    if img.mode in ALPHA_MODES or "transparency" in img.info:
        return img.convert("RGB")
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


def median(values: np.ndarray) -> float:
    """np.median of the values, without np.median's import of numpy.ma (15 ms, 1.2 MiB at start-up)."""
    v = np.asarray(values).ravel()  # (n,), n >= 1
    k = v.size // 2
    if v.size % 2:
        return float(np.partition(v, k)[k])
    part = np.partition(v, (k - 1, k))
    return (float(part[k - 1]) + float(part[k])) / 2
