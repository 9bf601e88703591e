"""Preprocessing: a photo or scan of one handwritten digit -> the (28, 28) array MNIST nets expect.

What it is: the loading half, with numpy and Pillow only. Load safely (pixel limit, EXIF
orientation, truncated files fail here), flatten any mode to grey (to_grayscale), and hand the
image to mnist_edge.image.fit_digit, which removes the page's background, finds the digit among
the marks and fits it as MNIST did (20 px box, mass centre at (14, 14)); a blank page is a
UserError. Also: turning CLI arguments (files, folders, globs) into image paths, and saving
results. A 28 x 28 MNIST digit passes through unchanged.
What it isn't: the reading itself (mnist_edge.image), per-pixel normalisation (MNIST mean/std
is the model's job), or inference.

Transparency in to_grayscale: where most of the image is transparent, the opaque pixels are the
strokes and are put on a ground that contrasts with them (white for dark ink, black for light
ink); where most of it is opaque, the transparency is incidental (e.g. rotated-scan corners) and
is filled with the paper colour (the median of the opaque pixels). mnist_edge.image.grey does
the same for fit_digit, with a premultiplied reduction of large images.
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_edge.errors import UserError

MAX_PIXELS = 40_000_000  # decompression-bomb guard: larger images are refused, not decoded
MAX_SIDE = 1024  # images are box-reduced to at most this long side before analysis
SIZE = 28  # MNIST's field: what preprocess_image returns and save_preprocessed writes
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}
)
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L"
_ALPHA_MODES = {"LA", "PA", "RGBA", "RGBa", "La"}
# What decoders raise on broken files (UnidentifiedImageError is handled before, as OSError).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error)


# --- loading -------------------------------------------------------------------------------


def load_image(path: str | os.PathLike) -> Image.Image:
    """Open, size-check, fully decode and EXIF-orient one image; UserError "PATH: problem"."""
    path = Path(path)
    _check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_pixels(img, path)
                _draft(img)
                img.load()
                return ImageOps.exif_transpose(img)  # a loaded copy, upright, file closed
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UserError(f"{path}: image too large, refused as a possible decompression bomb ({e})") from None
    except UnidentifiedImageError:
        raise UserError(f"{path}: not an image (Pillow cannot identify the format)") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied") from None
    except _DECODE_ERRORS as e:
        raise UserError(f"{path}: corrupt or truncated image ({_one_line(e)})") from None


def _check_file(path: Path) -> None:
    try:
        if path.is_dir():
            raise UserError(f"{path}: is a directory, not an image file")
        if path.stat().st_size == 0:
            raise UserError(f"{path}: empty file")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied") from None


def _check_pixels(img: Image.Image, path: Path) -> None:
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise UserError(
            f"{path}: image too large ({width}x{height} = {width * height:,} pixels, "
            f"limit {MAX_PIXELS:,}; refused as a possible decompression bomb)"
        )


def _draft(img: Image.Image) -> None:
    """JPEG only (a no-op for others): decode at 1/2, 1/4 or 1/8 scale, long side >= MAX_SIDE."""
    width, height = img.size
    factor = MAX_SIDE / max(width, height)
    if factor < 1:
        img.draft(img.mode, (max(1, int(width * factor)), max(1, int(height * factor))))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


# --- grey levels ---------------------------------------------------------------------------


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
        ground = _median(lum[alpha >= 0.5])
    return lum * alpha + ground * (1.0 - alpha)


def _median(values: np.ndarray) -> float:
    """np.median of the values, without np.median's import of numpy.ma (15 ms, 1.2 MiB at start-up)."""
    v = np.asarray(values).ravel()  # (n,), n >= 1
    k = v.size // 2
    if v.size % 2:
        return float(np.partition(v, k)[k])
    part = np.partition(v, (k - 1, k))
    return (float(part[k - 1]) + float(part[k])) / 2


# --- the MNIST recipe ----------------------------------------------------------------------


def preprocess_image(img: Image.Image, source: str = "<image>") -> np.ndarray:
    """One digit image -> (28, 28) float32 in [0, 1], white digit on black, MNIST-placed.

    mnist_edge.image.fit_digit does the work (background removal, the digit among the marks);
    a blank page is a UserError, a "not_a_digit" verdict is left to fit_digit's callers.
    """
    from mnist_edge.image.digit import fit_digit  # mnist_edge.image imports this module

    fitted = fit_digit(img, source)
    if fitted.reason == "blank":
        raise UserError(f"{source}: no digit found (blank image)")
    return fitted.pixels


def preprocess_file(path: str | os.PathLike) -> np.ndarray:
    """load_image + preprocess_image: (28, 28) float32 in [0, 1]; UserError names the path."""
    return preprocess_image(load_image(path), str(path))


# --- saving --------------------------------------------------------------------------------


def save_preprocessed(array: np.ndarray, path: str | os.PathLike) -> Path:
    """Write a (28, 28) array in [0, 1] as an 8-bit greyscale PNG, atomically (temp + replace)."""
    import tempfile  # only when saving: keeps the CLI's cold start lean

    path = Path(path)
    pixels = np.asarray(array, dtype=np.float32)
    if pixels.shape != (SIZE, SIZE):
        raise ValueError(f"expected a ({SIZE}, {SIZE}) array, got {pixels.shape}")
    img = Image.fromarray(np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8))  # mode "L"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                img.save(f, format="PNG")
            os.chmod(tmp, 0o644)  # mkstemp makes it 0600
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise UserError(f"{path}: cannot write ({e.strerror or _one_line(e)})") from None
    return path


# --- CLI arguments -------------------------------------------------------------------------


def expand_inputs(args: list[str]) -> tuple[list[Path], list[str]]:
    """CLI arguments (files, folders, globs) -> (image paths in order, without repeats; error lines).

    A named file is taken whatever its suffix (loading it says what is wrong); a folder gives its
    image files, not recursively, hidden files ignored, other files reported as skipped; a glob
    (* ? [) gives its matching files, likewise filtered by suffix.
    """
    paths: dict[Path, None] = {}  # ordered set
    errors: list[str] = []
    for arg in args:
        found, problems = _expand_one(arg)
        paths.update(dict.fromkeys(found))
        errors += problems
    return list(paths), errors


def _expand_one(arg: str) -> tuple[list[Path], list[str]]:
    path = Path(arg)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        return _images_among(files)
    if path.is_file():
        return [path], []
    if any(c in arg for c in "*?["):
        import glob  # only for patterns

        files = [Path(m) for m in sorted(glob.glob(arg, recursive=True)) if Path(m).is_file()]
        return _images_among(files) if files else ([], [f"{arg}: no files match"])
    return [], [f"{arg}: file not found"]


def _images_among(files: list[Path]) -> tuple[list[Path], list[str]]:
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    skipped = [f"{p}: not an image (skipped)" for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
    return images, skipped
