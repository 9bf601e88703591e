"""A photo with what `read` found drawn on it: each digit's box and the digit, saved atomically.

What it is: annotate(img, digits) -> an RGB copy with Pillow's ImageDraw (box, digit or "?"
above it); mnist_edge.image.save.save_png writes it atomically.
What it isn't: the reading itself (mnist_edge.reading) or the choice of the file name (the CLI).
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

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
