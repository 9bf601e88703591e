"""Ink coverage masks at photo scale: MNIST digits upscaled smoothly, glyphs, shapes, scribbles.

What it is: functions returning (S, S) float32 coverage in [0, 1] (1 = fully inked), with the
stroke width controlled by where a smooth upscaled field is cut (thin .. thick) plus a max
filter for felt pens, hollow outlines, and a small rotation.
What it isn't: a page or a camera (page.py, camera.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from mnist_edge.image.holes import mask_stroke_width

FONT_DIR = "/usr/share/fonts"
# Typed and handwriting fonts (Debian: fonts-dejavu-core, fonts-liberation, fonts-humor-sans,
# fonts-femkeklaver, fonts-breip, fonts-comic-neue; .ci/run installs them).
FONTS = ("truetype/dejavu/DejaVuSans.ttf", "truetype/dejavu/DejaVuSerif.ttf",
         "truetype/dejavu/DejaVuSans-Bold.ttf", "truetype/liberation/LiberationSans-Regular.ttf",
         "truetype/dejavu/DejaVuSansMono.ttf", "truetype/humor-sans/Humor-Sans.ttf",
         "truetype/femkeklaver/femkeklaver.ttf", "truetype/breip/Breip.ttf",
         "opentype/comic-neue/ComicNeue-Regular.otf")


def digit_coverage(digit_u8: np.ndarray, size: int, width: float = 1.0) -> np.ndarray:
    """(28, 28) uint8 MNIST digit -> (size, size) coverage; width 1 = MNIST's own stroke.

    The 28 x 28 grey levels are upscaled bicubically and blurred a little (no blockiness), then
    cut with a soft 1-2 px edge: a high cut thins the strokes, a low cut (and a max filter for
    width > 1.6) thickens them, as a finer or broader pen would.
    """
    field = Image.fromarray(digit_u8).resize((size, size), Image.Resampling.BICUBIC)
    field = field.filter(ImageFilter.GaussianBlur(size / 60))
    v = as_coverage(field)  # (size, size) smooth field
    cut = float(np.clip(0.45 / width, 0.12, 0.8))
    ramp = 2.5 * 28 / size  # field change over a ~1.5 px edge
    cov = np.clip((v - cut) / ramp + 0.5, 0, 1)
    if width > 1.6:
        cov = grow(cov, int(size * (width - 1.6) / 28) * 2 + 1)
    return cov.astype(np.float32)


def as_image(cov: np.ndarray) -> Image.Image:
    """(H, W) coverage in [0, 1] -> an 8-bit "L" image (for Pillow's filters)."""
    return Image.fromarray(np.round(np.clip(cov, 0, 1) * 255).astype(np.uint8))


def as_coverage(img: Image.Image) -> np.ndarray:
    """An 8-bit image -> (H, W) float32 coverage in [0, 1]."""
    return np.asarray(img, dtype=np.float32) / 255


def grow(cov: np.ndarray, k: int) -> np.ndarray:
    """Dilate coverage by a k x k max filter (k odd, >= 3), softened by a small blur."""
    if k < 3:
        return cov
    img = as_image(cov).filter(ImageFilter.MaxFilter(k))
    grown = as_coverage(img.filter(ImageFilter.GaussianBlur(1)))
    return np.where(grown > 1.5 / 255, grown, 0.0).astype(np.float32)  # no 1/255 haze from the blur


def shrink(cov: np.ndarray, k: int) -> np.ndarray:
    """Erode coverage by a k x k min filter (k odd)."""
    return as_coverage(as_image(cov).filter(ImageFilter.MinFilter(k)))


def thinned(cov: np.ndarray, width: float) -> np.ndarray:
    """Coverage whose strokes are about `width` x as wide (width < 1: a finer pen writing the
    same glyph), eroded the same number of pixels on each side; unchanged for width >= 1."""
    passes = int(round(mask_stroke_width(cov > 0.5) * (1 - width) / 2))
    return shrink(cov, 2 * passes + 1) if passes > 0 else cov


def outline(cov: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A hollow digit: a thick version's rim, a pen line drawn around the shape.

    The shape is padded first and the result scaled back to its size: MNIST's centring puts many
    a 7's or 9's leg on the canvas's edge, where the rim would otherwise stay open.
    """
    size = cov.shape[0]
    grown = max(3, size // 14) | 1
    rim = max(3, int(size * rng.uniform(0.012, 0.025)) * 2 + 1)
    pad = grown // 2 + rim
    thick = grow(np.pad(cov, pad), grown)  # (size + 2 pad, size + 2 pad)
    return as_coverage(as_image(thick - shrink(thick, rim)).resize((size, size), Image.Resampling.BILINEAR))


def rotate(cov: np.ndarray, degrees: float) -> np.ndarray:
    img = as_image(cov)
    return as_coverage(img.rotate(degrees, Image.Resampling.BICUBIC))


def missing_fonts() -> list[str]:
    """The FONTS not installed here: glyph_coverage() draws those glyphs in Pillow's own font, so
    a measurement over letters and symbols depends on this list (the photos bench records it)."""
    return [name for name in FONTS if not Path(FONT_DIR, name).is_file()]


def glyph_coverage(text: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A letter or symbol from a system font, filling ~70% of a (size, size) square."""
    name = f"{FONT_DIR}/{FONTS[int(rng.integers(len(FONTS)))]}"
    try:
        font = ImageFont.truetype(name, int(size * 0.7))
    except OSError:  # font package absent: Pillow's own
        font = ImageFont.load_default(int(size * 0.7))
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((size - right - left) / 2, (size - bottom - top) / 2), text, fill=255, font=font)
    return np.asarray(img, dtype=np.float32) / 255


def shape_coverage(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """circle, square, filled_square, dash, cross, triangle: drawn with a pen of random width."""
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    pen = max(2, int(size * rng.uniform(0.04, 0.09)))
    a, b = size * rng.uniform(0.15, 0.25), size * rng.uniform(0.75, 0.85)
    if kind == "circle":
        draw.ellipse((a, a, b, b), outline=255, width=pen)
    elif kind == "square":
        draw.rectangle((a, a, b, b), outline=255, width=pen)
    elif kind == "filled_square":
        draw.rectangle((a, a, b, b), fill=255)
    elif kind == "dash":
        draw.line((a, size / 2, b, size / 2), fill=255, width=pen)
    elif kind == "cross":
        draw.line((a, a, b, b), fill=255, width=pen)
        draw.line((a, b, b, a), fill=255, width=pen)
    else:  # triangle
        draw.polygon(((size / 2, a), (b, b), (a, b)), outline=255, width=pen)
    return np.asarray(img.filter(ImageFilter.GaussianBlur(1)), dtype=np.float32) / 255


def scribble_coverage(size: int, rng: np.random.Generator) -> np.ndarray:
    """A random smooth tangle: a polyline through 6-14 points, smoothed by chaining midpoints."""
    img = Image.new("L", (size, size), 0)
    points = rng.uniform(0.15, 0.85, (int(rng.integers(6, 15)), 2)) * size
    for _ in range(3):  # corner cutting: a smoother, pen-like path
        points = np.concatenate([0.75 * points[:-1] + 0.25 * points[1:], 0.25 * points[:-1] + 0.75 * points[1:]])
    ImageDraw.Draw(img).line([tuple(p) for p in points], fill=255, width=max(2, int(size * rng.uniform(0.03, 0.07))),
                             joint="curve")
    return np.asarray(img.filter(ImageFilter.GaussianBlur(1)), dtype=np.float32) / 255


def stray_marks(shape: tuple[int, int], avoid: tuple[int, int, int, int], count: int, pen: int,
                rng: np.random.Generator) -> np.ndarray:
    """(H, W) coverage of short strokes and dots placed outside the `avoid` box (top, bottom, left, right)."""
    img = Image.new("L", (shape[1], shape[0]), 0)
    draw = ImageDraw.Draw(img)
    top, bottom, left, right = avoid
    gap = (bottom - top) * 0.15
    for _ in range(count * 20):
        if count == 0:
            break
        y, x = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        if top - gap < y < bottom + gap and left - gap < x < right + gap:
            continue
        length = (bottom - top) * rng.uniform(0.05, 0.3)
        angle = rng.uniform(0, np.pi)
        end = (x + length * np.cos(angle), y + length * np.sin(angle))
        if rng.random() < 0.3:
            draw.ellipse((x - pen, y - pen, x + pen, y + pen), fill=255)
        else:
            draw.line((x, y, *end), fill=255, width=pen)
        count -= 1
    return np.asarray(img.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.float32) / 255
