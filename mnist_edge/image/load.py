"""Loading images safely: a file, bytes or a Pillow image -> a decoded, upright Pillow image.

What it is: the one way images enter the runtime. Only an allow-list of formats is decoded (no
PostScript/EPS handed to Ghostscript, whatever the file's suffix); JPEGs are decoded reduced
(draft) to about MAX_SIDE, so a 48 MP phone photo decodes at 1/4 scale; the memory the decoded
image will take is checked before decoding (decompression bombs: a 74-byte PNG may declare
1 x 39,999,999 pixels); only regular files are opened (a FIFO would block, /dev/zero never
ends); truncated or corrupt files fail here; EXIF orientation is applied. Every failure is a
UserError naming the source and the problem; the decoders' warnings are re-issued as
ImageWarning naming the source.
What it isn't: grey levels (grey.py) or fitting the digit (fit.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import warnings
import zlib
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_edge.errors import UserError
from mnist_edge.filekind import not_a_file, os_reason

# Decompression-bomb guard, checked before decoding (after the JPEG draft): the memory Pillow
# will allocate, and the longest side (a 1 x 39,999,999 strip is no digit, and its processing
# costs far more than its bytes). 64 MiB: a 16 MP RGB PNG, a 64 MP greyscale scan; phone JPEGs
# are drafted down first (48 MP -> 3 MP).
MAX_DECODED_BYTES = 64 * 2**20
MAX_SIDE_PIXELS = 30_000
FULL_SIZE = "mnist_edge_full_size"  # info key of a drafted JPEG: (width, height) as stored, upright
MAX_SIDE = 1024  # images are box-reduced to at most this long side before analysis
# The formats a photo or scan of a digit comes in; nothing else is even identified.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM")  # JPEG covers MPO (phone photos)
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}
)
# What decoders raise on broken files (UnidentifiedImageError is handled before, as OSError).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error)


class ImageWarning(UserWarning):
    """A decoder's warning about one image (truncated EXIF, odd TIFF tags), naming the image."""


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
        with image_warnings(source), Image.open(fp, formats=FORMATS) as img:
            stored = img.size
            _draft(img)
            check_size(img.size, img.mode, source)
            img.load()
            upright = ImageOps.exif_transpose(img)  # a loaded copy, upright, file closed
            if img.size != stored:  # drafted: say the full size, upright, for boxes in its pixels
                upright.info[FULL_SIZE] = stored[::-1] if upright.size != img.size else stored
            return upright
    except Image.DecompressionBombError as e:  # > 179 MP: Pillow refuses in open(), before us
        pixels = re.search(r"\((\d+) pixels\)", str(e))
        detail = f"{int(pixels.group(1)):,} pixels" if pixels else "too many pixels"
        raise UserError(_too_large(source, detail)) from None
    except UnidentifiedImageError:
        raise UserError(f"{source}: not an image of a supported format ({', '.join(FORMATS)})") from None
    except MemoryError:
        raise UserError(f"{source}: not enough memory to decode the image") from None
    except PermissionError:
        raise UserError(f"{source}: permission denied") from None
    except _DECODE_ERRORS as e:
        raise UserError(f"{source}: corrupt or truncated image ({one_line(e)})") from None


@contextlib.contextmanager
def image_warnings(source: str):
    """Warnings raised inside (Pillow's, numpy's) come out as ImageWarning naming `source`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Pillow's own bomb warning (> 89 MP) is ours to judge after the JPEG draft: ignored.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield
    for w in caught:  # after success only: a failure's warnings are said by its error
        message = w.message if isinstance(w.message, ImageWarning) else \
            ImageWarning(f"{source}: {one_line(w.message)}")
        warnings.warn(message, stacklevel=3)


def _check_file(path: Path) -> None:
    """Only a regular file is opened: a FIFO would block, /dev/zero would never end."""
    problem = not_a_file(path)
    if problem is not None:
        raise UserError(f"{path}: {problem}")
    try:
        if path.stat().st_size == 0:
            raise UserError(f"{path}: empty file")
    except OSError as e:
        raise UserError(f"{path}: {os_reason(e, path)}") from None


# Bytes per pixel as Pillow stores a mode: 1 for 1/L/P, 2 for the 16-bit modes, 4 for the rest
# (RGB is stored padded to 4 bytes; LA, I, F, RGBA, CMYK, YCbCr take 4 too).
_ONE_BYTE = frozenset({"1", "L", "P"})


def decoded_bytes(size: tuple[int, int], mode: str) -> int:
    """The memory Pillow allocates for an image of `size` (width, height) in `mode`."""
    width, height = size
    per_pixel = 1 if mode in _ONE_BYTE else 2 if mode.startswith("I;16") else 4
    return width * height * per_pixel


def check_size(size: tuple[int, int], mode: str, source: str) -> None:
    """UserError when decoding would take more than MAX_DECODED_BYTES or a side is too long."""
    width, height = size
    need = decoded_bytes(size, mode)
    if need > MAX_DECODED_BYTES or max(width, height) > MAX_SIDE_PIXELS:
        raise UserError(_too_large(source, f"{width:,} x {height:,} pixels {mode}, "
                                           f"{need / 2**20:,.0f} MiB decoded"))


def _too_large(source: str, detail: str) -> str:
    """The one message for every image refused as too large, whoever noticed."""
    return (f"{source}: image too large to decode ({detail}; limits {MAX_DECODED_BYTES // 2**20} "
            f"MiB decoded, {MAX_SIDE_PIXELS:,} pixels a side); refused as a possible "
            f"decompression bomb")


def _draft(img: Image.Image) -> None:
    """JPEG only (a no-op for others): decode at 1/2, 1/4 or 1/8 scale, long side >= MAX_SIDE."""
    width, height = img.size
    factor = MAX_SIDE / max(width, height)
    if factor < 1:
        img.draft(img.mode, (max(1, int(width * factor)), max(1, int(height * factor))))


def one_line(error: BaseException | Warning | str) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
