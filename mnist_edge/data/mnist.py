"""MNIST data: the four IDX files, where they come from, and reading them with numpy only.

What it is: the IDX reader (header, dimensions and sizes checked), the canonical file list
with MD5s, and the lookup order for the data folder. Numpy only, so the runtime's eval and
the exporter's calibration can use it without torch.
What it isn't: the downloader (mnist_edge.data.download, reached only when files are missing)
or any augmentation (train/augment.py).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_edge.data import CACHE_DIR_ENV, DATA_DIR_ENV, FILES, SPLITS
from mnist_edge.errors import UserError

_IDX_UBYTE = 0x08  # the IDX type code of unsigned bytes, the only one MNIST uses


@dataclass(frozen=True)
class Split:
    images: np.ndarray  # (N, 28, 28) uint8, white digit on black
    labels: np.ndarray  # (N,) uint8 in 0..9


def read_idx(path: str | os.PathLike, ndim: int) -> np.ndarray:
    """Read one gzipped IDX file of unsigned bytes with `ndim` dimensions, checking its header."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as e:  # not gzip, or cut short
        raise UserError(f"{path}: not a readable gzip file ({e})") from None
    if len(raw) < 4 + 4 * ndim:
        raise UserError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero, dtype, file_ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or dtype != _IDX_UBYTE or file_ndim != ndim:
        raise UserError(
            f"{path}: wrong IDX magic 0x{raw[:4].hex()} (expected 0x0000080{ndim}, "
            f"unsigned bytes with {ndim} dimension(s))"
        )
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    header = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise UserError(
            f"{path}: header says {dims} ({expected} bytes of data) "
            f"but the file holds {len(raw) - header} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def md5_of(path: str | os.PathLike) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def cache_dir() -> Path:
    """The per-user cache folder (MNIST_EDGE_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mnist-edge" / "mnist"


def has_files(folder: Path) -> bool:
    return all((folder / name).is_file() for name in FILES)


def find_data_dir(data_dir: str | os.PathLike | None = None, download: bool = True) -> Path:
    """The folder holding the four files: --data-dir, else $MNIST_EDGE_DATA_DIR, else the cache.

    An explicitly named folder is used as it is (missing files are an error naming it); the
    cache folder is filled by downloading from the public mirrors when files are missing.
    """
    explicit = data_dir or os.environ.get(DATA_DIR_ENV)
    if explicit:
        folder = Path(explicit)
        missing = [name for name in FILES if not (folder / name).is_file()]
        if missing:
            source = "--data-dir" if data_dir else f"${DATA_DIR_ENV}"
            raise UserError(f"{folder}: missing MNIST file(s) {', '.join(missing)} (from {source})")
        return folder
    folder = cache_dir()
    if not has_files(folder):
        if not download:
            raise UserError(f"{folder}: MNIST files not found and download is off")
        from mnist_edge.data.download import download_mnist  # only when files are missing

        download_mnist(folder)
    return folder


def load_split(split: str, data_dir: str | os.PathLike | None = None) -> Split:
    """Images and labels of 'train' (60,000) or 'test' (10,000), checked against each other."""
    folder = find_data_dir(data_dir)
    images_name, labels_name = SPLITS[split]
    images = read_idx(folder / images_name, ndim=3)
    labels = read_idx(folder / labels_name, ndim=1)
    if images.shape[1:] != (28, 28):
        raise UserError(f"{folder / images_name}: images are {images.shape[1:]}, expected (28, 28)")
    if len(images) != len(labels):
        raise UserError(
            f"{folder / labels_name}: {len(labels)} labels for {len(images)} images in {images_name}"
        )
    if labels.size and labels.max() > 9:
        raise UserError(f"{folder / labels_name}: label {labels.max()} is not a digit")
    return Split(images=images, labels=labels)


def data_checksums(data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """MD5 of each of the four files, as recorded in metrics.json and the model card."""
    folder = find_data_dir(data_dir)
    return {name: md5_of(folder / name) for name in FILES}
