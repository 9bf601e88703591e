"""`mnist-edge eval --plot FILE`: the confusion matrices as one PNG, drawn with Pillow.

What it is: one panel per model, side by side: a 10 x 10 grid whose cells are shaded by the
fraction of the true digit's images (row-normalised, white -> blue), with the counts written
in, the model's name and accuracy above. Pillow only (matplotlib is not in the base install);
written atomically.
What it isn't: a general plotting tool, or the numbers themselves (mnist_edge.cli.eval).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mnist_edge.atomic import atomic_path
from mnist_edge.errors import UserError

CELL, MARGIN, TITLE = 44, 56, 48  # pixels: grid cell, left/top axis margin, title band
PANEL = MARGIN + 10 * CELL + 24  # one panel's width and its grid's height below the title
INK, BLUE = (20, 20, 20), np.array([31, 87, 163])


def plot_confusions(panels: list[tuple[str, np.ndarray]], path: str | os.PathLike) -> Path:
    """[(title, (10, 10) counts)] -> a PNG at `path`, one panel each; returns the path."""
    path = Path(path)
    image = Image.new("RGB", (PANEL * len(panels), TITLE + PANEL), "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(15), _font(12)
    for i, (title, counts) in enumerate(panels):
        _panel(draw, i * PANEL, np.asarray(counts), title, font, small)
    try:
        with atomic_path(path) as tmp:
            image.save(tmp, format="PNG")
    except OSError as e:
        raise UserError(f"{path}: cannot write the plot ({e.strerror or e})") from None
    return path


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _panel(draw: ImageDraw.ImageDraw, x0: int, counts: np.ndarray, title: str, font, small) -> None:
    """One confusion matrix with its top-left corner at (x0, 0)."""
    draw.text((x0 + MARGIN, 12), title, fill=INK, font=font)
    top, left = TITLE + MARGIN // 2, x0 + MARGIN
    totals = np.maximum(counts.sum(axis=1, keepdims=True), 1)
    shares = counts / totals  # (10, 10) fraction of each true digit's images
    for row in range(10):
        for col in range(10):
            box = (left + col * CELL, top + row * CELL, left + (col + 1) * CELL, top + (row + 1) * CELL)
            draw.rectangle(box, fill=_shade(shares[row, col]), outline=(220, 220, 220))
            if counts[row, col]:
                dark = shares[row, col] > 0.5
                draw.text((box[0] + CELL / 2, box[1] + CELL / 2), str(counts[row, col]),
                          fill="white" if dark else INK, font=small, anchor="mm")
    for d in range(10):
        draw.text((left + d * CELL + CELL / 2, top - 10), str(d), fill=INK, font=small, anchor="mm")
        draw.text((left - 12, top + d * CELL + CELL / 2), str(d), fill=INK, font=small, anchor="mm")
    draw.text((left + 5 * CELL, top + 10 * CELL + 14), "predicted", fill=INK, font=small, anchor="mm")
    draw.text((x0 + 6, top - 10), "true", fill=INK, font=small, anchor="lm")


def _shade(share: float) -> tuple[int, int, int]:
    """0 -> white, 1 -> blue; square root so that small off-diagonal shares stay visible."""
    t = float(np.sqrt(share))
    return tuple(int(round(255 + (c - 255) * t)) for c in BLUE)
