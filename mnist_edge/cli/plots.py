"""`mnist-edge eval --plot FILE`: confusion matrices and reliability diagrams as one PNG (Pillow).

What it is: one column per model, side by side: a 10 x 10 grid whose cells are shaded by the
fraction of the true digit's images (row-normalised, white -> blue), with the counts written
in, the model's name and accuracy above; below it the reliability diagram (accuracy per
confidence bin against the diagonal of perfect calibration, bar widths by bin count). Pillow only (matplotlib is not in the base install);
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


def plot_confusions(panels: list[tuple[str, np.ndarray, list]], path: str | os.PathLike) -> Path:
    """[(title, (10, 10) counts, reliability bins)] -> a PNG at `path`, a column each."""
    path = Path(path)
    image = Image.new("RGB", (PANEL * len(panels), TITLE + 2 * PANEL), "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(15), _font(12)
    for i, (title, counts, bins) in enumerate(panels):
        _panel(draw, i * PANEL, np.asarray(counts), title, font, small)
        _reliability(draw, i * PANEL, TITLE + PANEL, bins, small)
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


def _reliability(draw: ImageDraw.ImageDraw, x0: int, y0: int, bins: list[dict], small) -> None:
    """Accuracy per confidence bin (bars) against the diagonal, in a 10-cell square at (x0, y0)."""
    side = 10 * CELL
    left, bottom = x0 + MARGIN, y0 + MARGIN // 2 + side
    draw.rectangle((left, bottom - side, left + side, bottom), outline=(200, 200, 200))
    for b in bins:
        if b["count"]:
            x_lo, x_hi = left + b["lo"] * side, left + b["hi"] * side
            draw.rectangle((x_lo + 1, bottom - b["accuracy"] * side, x_hi - 1, bottom),
                           fill=tuple(BLUE), outline="white")
            draw.text(((x_lo + x_hi) / 2, bottom - 8), str(b["count"]), fill="white", font=small, anchor="mm")
    draw.line((left, bottom, left + side, bottom - side), fill=(200, 60, 60), width=2)
    for v in (0, 0.5, 1):
        draw.text((left + v * side, bottom + 12), f"{v:g}", fill=INK, font=small, anchor="mm")
        draw.text((left - 14, bottom - v * side), f"{v:g}", fill=INK, font=small, anchor="mm")
    draw.text((left + side / 2, bottom + 28), "confidence (top probability)", fill=INK, font=small, anchor="mm")
    draw.text((x0 + 4, bottom - side - 12), "accuracy", fill=INK, font=small, anchor="lm")


def _shade(share: float) -> tuple[int, int, int]:
    """0 -> white, 1 -> blue; square root so that small off-diagonal shares stay visible."""
    t = float(np.sqrt(share))
    return tuple(int(round(255 + (c - 255) * t)) for c in BLUE)
