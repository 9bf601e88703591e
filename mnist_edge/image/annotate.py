"""A photo with what `read` found drawn on it: each digit's box and the digit, saved atomically.

What it is: annotate(img, digits) -> an RGB copy with Pillow's ImageDraw (box, digit or "?"
above it), and save_annotated(), a PNG written by temp file + rename (never half a file).
What it isn't: the reading itself (mnist_edge.reading) or the choice of the file name (the CLI).
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from mnist_edge.atomic import atomic_path
from mnist_edge.errors import UserError
from mnist_edge.image.load import one_line

SURE, UNSURE = (220, 30, 30), (240, 150, 0)  # box colours: red, orange for a "?" digit


def annotate(img: Image.Image, digits) -> Image.Image:
    """RGB copy of img with each ReadDigit's box (x0, y0, x1, y1 in img's pixels) and digit drawn."""
    out = img.convert("RGB")
    draw = ImageDraw.Draw(out)
    pen = max(1, round(max(out.size) / 400))
    for d in digits:
        x0, y0, x1, y1 = d.box
        colour = UNSURE if d.unsure else SURE
        draw.rectangle((x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)), outline=colour, width=pen)
        size = max(10, (y1 - y0) // 3)
        font = ImageFont.load_default(size)
        draw.text((x0, max(0, y0 - size - 2)), "?" if d.unsure else str(d.digit), fill=colour, font=font)
    return out


def save_annotated(img: Image.Image, path: str | os.PathLike) -> Path:
    """Write img as PNG at `path`, atomically; UserError "PATH: cannot write (...)"."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            img.save(tmp, format="PNG")
    except OSError as e:
        raise UserError(f"{path}: cannot write ({e.strerror or one_line(e)})") from None
    return path
