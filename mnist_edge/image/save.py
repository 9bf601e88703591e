"""Saving what the network saw: a (28, 28) array in [0, 1] -> an 8-bit greyscale PNG, atomically.

What it isn't: a general image writer; the folder is the caller's (--save-preprocessed).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_edge.atomic import atomic_path
from mnist_edge.errors import UserError
from mnist_edge.image.load import one_line


def to_png_image(array: np.ndarray) -> Image.Image:
    """(28, 28) float in [0, 1] -> mode "L" Pillow image."""
    pixels = np.asarray(array, dtype=np.float32)
    if pixels.shape != (28, 28):
        raise ValueError(f"expected a (28, 28) array, got {pixels.shape}")
    return Image.fromarray(np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8))


def save_preprocessed(array: np.ndarray, path: str | os.PathLike) -> Path:
    """Write the (28, 28) array as a PNG at `path` (temp file + rename: never half a file)."""
    return save_png(to_png_image(array), path)


def save_png(img: Image.Image, path: str | os.PathLike) -> Path:
    """Write img as a PNG at `path`, atomically; UserError "PATH: cannot write (...)"."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            img.save(tmp, format="PNG")
    except OSError as e:
        raise UserError(f"{path}: cannot write ({e.strerror or one_line(e)})") from None
    return path
