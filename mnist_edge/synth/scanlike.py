"""Turn real MNIST digits into photo/scan-like image files, for the preprocessing and runtime tests.

What it is: a deterministic (given the rng) degradation of a 28 x 28 MNIST digit into what a
user might feed the CLI: dark ink on light paper, upscaled to 200-400 px, off-centre on a larger
canvas, uneven lighting, sensor noise, in one of several file modes/formats (KINDS).
What it isn't: a realistic handwriting simulator; the digit's shape is MNIST's own, so the
preprocessed result can be compared pixel by pixel with the original.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

# kind -> file suffix; the JPEG ones are saved at quality 70
KINDS: dict[str, str] = {
    "gray_jpeg": ".jpg",  # L, JPEG
    "rgb_jpeg": ".jpg",  # RGB: blue ink on cream paper, JPEG
    "rgba_dark": ".png",  # RGBA: black ink, alpha = ink coverage, transparent background
    "rgba_light": ".png",  # RGBA: white ink on a transparent background
    "palette": ".png",  # P: the RGB scan quantised to 16 colours
    "gray16": ".png",  # I;16: a 16-bit greyscale scan
    "bilevel": ".png",  # 1: a thresholded (black/white) scan
    "exif_rotated": ".jpg",  # RGB JPEG stored rotated, with the EXIF Orientation that undoes it
    "speckled": ".png",  # L with isolated dark specks (dust) scattered over the paper
}
JPEG_QUALITY = 70
NOISE_SIGMA = 0.03  # gaussian sensor noise, on [0, 1]
_EXIF_ORIENTATION = 0x0112
# orientation tag -> the transpose that makes the stored pixels from the upright ones
# (the inverse of what ImageOps.exif_transpose applies for that tag)
_STORE_ROTATED = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def make_scan_like(digit_uint8: np.ndarray, rng: np.random.Generator, kind: str) -> Image.Image:
    """(28, 28) uint8 MNIST digit (white on black) -> a scan-like PIL image of the given kind."""
    coverage, canvas = _placed_coverage(digit_uint8, rng)  # (H, W) ink coverage in [0, 1]
    if kind in ("rgba_dark", "rgba_light"):
        return _transparent(coverage, dark=kind == "rgba_dark")
    paper, ink = rng.uniform(0.80, 0.95), rng.uniform(0.05, 0.25)
    gray = paper - (paper - ink) * coverage + _lighting(canvas, rng)  # (H, W) dark ink on paper
    if kind == "speckled":
        gray = _speckle(gray, rng, ink)
    gray = np.clip(gray + NOISE_SIGMA * rng.standard_normal(canvas, dtype=np.float32), 0.0, 1.0)
    return _as_kind(gray, rng, kind)


def save_scan_like(img: Image.Image, path: str | Path) -> Path:
    """Save as the suffix says (JPEG at quality 70), keeping the image's EXIF (orientation)."""
    path = Path(path)
    options = {"quality": JPEG_QUALITY} if path.suffix == ".jpg" else {"compress_level": 1}
    img.save(path, exif=img.getexif(), **options)
    return path


def write_scan_like(digit_uint8: np.ndarray, rng: np.random.Generator, kind: str, stem: str | Path) -> Path:
    """make_scan_like + save_scan_like to `stem` + the kind's suffix; returns the file's path."""
    return save_scan_like(make_scan_like(digit_uint8, rng, kind), Path(f"{stem}{KINDS[kind]}"))


def _placed_coverage(digit: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int]]:
    """The digit upscaled to 200-400 px at a random off-centre spot of a larger canvas."""
    size = int(rng.integers(200, 401))
    big = Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)
    height, width = (int(size + rng.integers(size // 4, size)) for _ in range(2))
    top, left = int(rng.integers(0, height - size + 1)), int(rng.integers(0, width - size + 1))
    coverage = np.zeros((height, width), dtype=np.float32)
    coverage[top : top + size, left : left + size] = np.asarray(big, dtype=np.float32) / 255
    return coverage, (height, width)


def _lighting(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A gentle linear brightness gradient across the page, +-0.03 at most."""
    ys, xs = np.linspace(-1, 1, shape[0])[:, None], np.linspace(-1, 1, shape[1])[None, :]
    gy, gx = rng.uniform(-0.015, 0.015, 2)
    return (gy * ys + gx * xs).astype(np.float32)


def _speckle(gray: np.ndarray, rng: np.random.Generator, ink: float) -> np.ndarray:
    """Sprinkle single-pixel and 2 x 2 dark specks, about one per 2,000 pixels."""
    gray = gray.copy()
    count = gray.size // 2000
    ys, xs = rng.integers(0, gray.shape[0] - 1, count), rng.integers(0, gray.shape[1] - 1, count)
    gray[ys, xs] = ink
    half = count // 2
    gray[ys[:half] + 1, xs[:half]] = gray[ys[:half], xs[:half] + 1] = gray[ys[:half] + 1, xs[:half] + 1] = ink
    return gray


def _transparent(coverage: np.ndarray, dark: bool) -> Image.Image:
    """RGBA with the strokes' coverage as alpha: black (dark) or white ink, no background."""
    rgba = np.zeros(coverage.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = 0 if dark else 255
    rgba[..., 3] = np.round(np.clip(coverage, 0, 1) * 255)
    return Image.fromarray(rgba)  # mode "RGBA"


def _as_kind(gray: np.ndarray, rng: np.random.Generator, kind: str) -> Image.Image:
    """(H, W) float grey in [0, 1] -> the PIL image of `kind`."""
    l_img = Image.fromarray(np.round(gray * 255).astype(np.uint8))  # mode "L"
    if kind in ("gray_jpeg", "speckled"):
        return l_img
    if kind == "gray16":
        return Image.fromarray(np.round(gray * 65535).astype(np.uint16))  # mode "I;16"
    if kind == "bilevel":
        return l_img.point(lambda v: 255 if v >= 128 else 0).convert("1")
    tint = np.array([1.0, 0.97, 0.88]) if kind != "rgb_jpeg" else np.array([0.95, 0.93, 0.80])
    ink_colour = np.array([0.15, 0.2, 0.6]) if kind == "rgb_jpeg" else np.zeros(3)
    rgb = gray[..., None] * tint + (1 - gray[..., None]) * ink_colour  # (H, W, 3): paper tint, ink colour
    rgb_img = Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8))  # mode "RGB"
    if kind == "palette":
        return rgb_img.quantize(colors=16, method=Image.Quantize.FASTOCTREE)
    if kind == "exif_rotated":
        orientation = int(rng.choice(list(_STORE_ROTATED)))
        stored = rgb_img.transpose(_STORE_ROTATED[orientation])
        stored.getexif()[_EXIF_ORIENTATION] = orientation
        return stored
    return rgb_img  # rgb_jpeg
