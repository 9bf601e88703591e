"""The IDX reader and split loader: the real MNIST files, and every broken-file error.

Each error must be a UserError whose one-line message names the file.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from mnist_edge.data import FILES, SPLITS
from mnist_edge.data.mnist import data_checksums, load_split, read_idx
from mnist_edge.errors import UserError

TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _idx(array: np.ndarray) -> bytes:
    """Uncompressed IDX bytes (unsigned bytes) holding `array`."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def _write_gz(path: Path, raw: bytes) -> Path:
    path.write_bytes(gzip.compress(raw))
    return path


def _split_dir(folder: Path, n_images: int, n_labels: int) -> Path:
    """A data folder with all four files, the test split holding the given counts."""
    folder.mkdir()
    train_images, train_labels = SPLITS["train"]
    test_images, test_labels = SPLITS["test"]
    _write_gz(folder / train_images, _idx(np.zeros((2, 28, 28))))
    _write_gz(folder / train_labels, _idx(np.zeros(2)))
    _write_gz(folder / test_images, _idx(np.zeros((n_images, 28, 28))))
    _write_gz(folder / test_labels, _idx(np.arange(n_labels) % 10))
    return folder


def _raises_naming(path: Path, match: str):
    """pytest.raises(UserError) that also checks the message names `path`."""
    return pytest.raises(UserError, match=rf"^{re.escape(str(path))}.*{match}")


# --- the real files ----------------------------------------------------------------------


@pytest.mark.mnist
def test_real_train_split(mnist_dir):
    train = load_split("train", mnist_dir)
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    assert train.labels.shape == (60000,)
    assert set(np.unique(train.labels)) == set(range(10))


@pytest.mark.mnist
def test_real_test_split(mnist_dir):
    test = load_split("test", mnist_dir)
    assert test.images.shape == (10000, 28, 28)
    assert np.bincount(test.labels, minlength=10).tolist() == TEST_COUNTS
    assert 0 <= test.labels.min() and test.labels.max() <= 9


@pytest.mark.mnist
def test_real_checksums_match_canonical(mnist_dir):
    assert data_checksums(mnist_dir) == FILES


# --- broken files ----------------------------------------------------------------------


def test_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    path = _write_gz(tmp_path / "ok.gz", _idx(array))
    assert np.array_equal(read_idx(path, ndim=3), array)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.gz"
    with _raises_naming(path, "not found"):
        read_idx(path, ndim=1)


def test_truncated_gzip(tmp_path):
    path = _write_gz(tmp_path / "cut.gz", _idx(np.arange(1000) % 10))
    path.write_bytes(path.read_bytes()[:-20])  # cut inside the stream / trailer
    with _raises_naming(path, "not a readable gzip file"):
        read_idx(path, ndim=1)


def test_not_gzip(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(_idx(np.arange(10)))  # IDX bytes, never compressed
    with _raises_naming(path, "not a readable gzip file"):
        read_idx(path, ndim=1)


@pytest.mark.parametrize(
    "magic",
    [bytes([0, 0, 0x08, 3]), bytes([0, 0, 0x0D, 1]), bytes([1, 0, 0x08, 1])],
    ids=["wrong-ndim", "float-type", "nonzero-prefix"],
)
def test_wrong_magic(tmp_path, magic):
    raw = magic + (4).to_bytes(4, "big") + bytes(4) + bytes(8)  # room for any header
    path = _write_gz(tmp_path / "magic.gz", raw)
    with _raises_naming(path, "wrong IDX magic"):
        read_idx(path, ndim=1)


def test_too_short_for_header(tmp_path):
    path = _write_gz(tmp_path / "short.gz", bytes([0, 0, 0x08, 3, 0, 0]))
    with _raises_naming(path, "too short"):
        read_idx(path, ndim=3)


@pytest.mark.parametrize("extra", [-1, 1], ids=["data-short", "data-long"])
def test_header_count_does_not_match_data(tmp_path, extra):
    raw = _idx(np.zeros((3, 28, 28)))
    raw = raw[:extra] if extra < 0 else raw + bytes(extra)
    path = _write_gz(tmp_path / "count.gz", raw)
    with _raises_naming(path, "header says"):
        read_idx(path, ndim=3)


def test_images_labels_count_mismatch(tmp_path):
    folder = _split_dir(tmp_path / "data", n_images=5, n_labels=4)
    with _raises_naming(folder / SPLITS["test"][1], "4 labels for 5 images"):
        load_split("test", folder)
    assert len(load_split("train", folder).labels) == 2  # the other split is fine


def test_label_out_of_range(tmp_path):
    folder = _split_dir(tmp_path / "data", n_images=3, n_labels=3)
    _write_gz(folder / SPLITS["test"][1], _idx(np.array([1, 10, 2])))
    with _raises_naming(folder / SPLITS["test"][1], "not a digit"):
        load_split("test", folder)
