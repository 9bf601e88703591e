"""Loading images safely: a file, bytes or a Pillow image -> a decoded, upright Pillow image.

What it is: the one way images enter the runtime. Only an allow-list of formats is decoded (no
PostScript/EPS handed to Ghostscript, whatever the file's suffix), the pixel count is checked
before decoding (decompression bombs), JPEGs are decoded reduced (draft) to about MAX_SIDE,
truncated or corrupt files fail here, and EXIF orientation is applied. Every failure is a
UserError naming the source and the problem.
What it isn't: grey levels (grey.py) or fitting the digit (fit.py).
"""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_edge.errors import UserError

MAX_PIXELS = 40_000_000  # decompression-bomb guard: larger images are refused, not decoded
MAX_SIDE = 1024  # images are box-reduced to at most this long side before analysis
# The formats a photo or scan of a digit comes in; nothing else is even identified.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM")  # JPEG covers MPO (phone photos)
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}
)
# What decoders raise on broken files (UnidentifiedImageError is handled before, as OSError).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error)


def load_image(path: str | os.PathLike) -> Image.Image:
    """Open, size-check, fully decode and EXIF-orient one image file; UserError "PATH: problem"."""
    path = Path(path)
    _check_file(path)
    return _decode(path, str(path))


def load_image_bytes(data: bytes, source: str = "<bytes>") -> Image.Image:
    """The same for an encoded image held in memory (an upload, a camera frame as JPEG)."""
    if not data:
        raise UserError(f"{source}: empty image data")
    return _decode(io.BytesIO(data), source)


def _decode(fp, source: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp, formats=FORMATS) as img:
                _check_pixels(img, source)
                _draft(img)
                img.load()
                return ImageOps.exif_transpose(img)  # a loaded copy, upright, file closed
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UserError(f"{source}: image too large, refused as a possible decompression bomb ({e})") from None
    except UnidentifiedImageError:
        raise UserError(f"{source}: not an image of a supported format ({', '.join(FORMATS)})") from None
    except PermissionError:
        raise UserError(f"{source}: permission denied") from None
    except _DECODE_ERRORS as e:
        raise UserError(f"{source}: corrupt or truncated image ({one_line(e)})") from None

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


def _check_pixels(img: Image.Image, source: str) -> None:
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise UserError(
            f"{source}: image too large ({width}x{height} = {width * height:,} pixels, "
            f"limit {MAX_PIXELS:,}; refused as a possible decompression bomb)"
        )


def _draft(img: Image.Image) -> None:
    """JPEG only (a no-op for others): decode at 1/2, 1/4 or 1/8 scale, long side >= MAX_SIDE."""
    width, height = img.size
    factor = MAX_SIDE / max(width, height)
    if factor < 1:
        img.draft(img.mode, (max(1, int(width * factor)), max(1, int(height * factor))))


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
