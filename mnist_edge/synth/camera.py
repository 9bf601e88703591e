"""What the camera and the file do to a page: blur, haze, noise, dust, JPEG, transparency, size.

What it is: functions on (H, W, 3) float32 radiance in [0, 1] with a severity 1..3, and the
conversions to the PIL image a user would save (RGB, RGBA with a transparent background, a
palette PNG whose background index is transparent).
What it isn't: the page itself (page.py).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def to_image(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8))


def to_array(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255


def haze(rgb: np.ndarray, rng: np.random.Generator, severity: int) -> np.ndarray:
    """Low contrast: the scene squeezed towards a milky level (glare, fog, a poor exposure)."""
    keep = (0.5, 0.32, 0.2)[severity - 1]
    return rgb * keep + rng.uniform(0.5, 0.8) * (1 - keep)


def defocus(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return to_array(to_image(rgb).filter(ImageFilter.GaussianBlur(sigma)))


def motion(rgb: np.ndarray, length: float, rng: np.random.Generator) -> np.ndarray:
    """Average of the image shifted along a random direction over `length` px (camera shake)."""
    angle = rng.uniform(0, np.pi)
    steps = max(2, int(round(length)))
    out = np.zeros_like(rgb)
    for t in np.linspace(-length / 2, length / 2, steps):
        dy, dx = int(round(t * np.sin(angle))), int(round(t * np.cos(angle)))
        out += np.roll(rgb, (dy, dx), axis=(0, 1))
    return out / steps


def sensor_noise(rgb: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian noise, partly shared across channels (luminance) and partly per channel (chroma)."""
    luma = rng.standard_normal(rgb.shape[:2], dtype=np.float32)[..., None]
    chroma = rng.standard_normal(rgb.shape, dtype=np.float32)
    return rgb + sigma * (0.8 * luma + 0.6 * chroma)


def dust(rgb: np.ndarray, rng: np.random.Generator, severity: int) -> np.ndarray:
    """Salt-and-pepper pixels and small dark specks (dust on the scanner glass, paper fibres)."""
    out = rgb.copy()
    h, w = rgb.shape[:2]
    fraction = (0.002, 0.006, 0.015)[severity - 1]
    n = int(h * w * fraction)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    out[ys, xs] = rng.choice([0.0, 1.0], size=(n, 1))
    for _ in range((4, 12, 30)[severity - 1]):  # specks of 2-4 px
        y, x, r = int(rng.integers(0, h - 4)), int(rng.integers(0, w - 4)), int(rng.integers(2, 5))
        out[y : y + r, x : x + r] *= rng.uniform(0.1, 0.5)
    return out


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    to_image(rgb).save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return to_array(Image.open(buffer))


def low_res(img: Image.Image, rng: np.random.Generator, severity: int) -> Image.Image:
    """The photo shrunk so its shorter side is 80-95, 65-80 or 50-65 px (a thumbnail, a crop of a
    form), with Pillow's antialiasing filter as an image viewer or a browser would."""
    side = int(rng.integers(*((80, 96), (65, 80), (50, 65))[severity - 1]))
    scale = side / min(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.LANCZOS)


def transparent_rgba(coverage: np.ndarray, ink: np.ndarray, severity: int) -> Image.Image:
    """(H, W) coverage -> RGBA, ink colour with alpha = coverage; background fully transparent.

    Severity 2 keeps white in the transparent pixels' colour, severity 3 black (both common:
    what the colour of a transparent pixel is, is up to the program that saved it).
    """
    rgba = np.zeros(coverage.shape + (4,), np.float32)
    rgba[..., :3] = ink
    if severity >= 2:
        garbage = 1.0 if severity == 2 else 0.0
        rgba[..., :3] = np.where(coverage[..., None] > 0.02, ink, garbage)
    rgba[..., 3] = coverage
    return Image.fromarray(np.round(np.clip(rgba, 0, 1) * 255).astype(np.uint8), "RGBA")


def transparent_palette(rgb: np.ndarray, severity: int) -> Image.Image:
    """A palette PNG whose paper colour is the transparent index, as drawing programs save it.

    Severity 1: two colours (ink, paper); 2: 16 colours (antialiased edges); 3: 16 colours and
    the transparent index's own colour set to black.
    """
    colours = 2 if severity == 1 else 16
    img = to_image(rgb).quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
    counts = np.bincount(np.asarray(img).ravel(), minlength=colours)
    background = int(counts.argmax())
    if severity == 3:
        palette = img.getpalette()
        palette[3 * background : 3 * background + 3] = [0, 0, 0]
        img.putpalette(palette)
    img.info["transparency"] = background
    buffer = io.BytesIO()  # a real file round trip: tRNS chunk as written by Pillow
    img.save(buffer, format="PNG", transparency=background)
    buffer.seek(0)
    return Image.open(buffer)
