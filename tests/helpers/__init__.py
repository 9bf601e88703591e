"""Helpers the tests share (import as `helpers.NAME`; pyproject puts tests/ on the path)."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_MNIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"


def find_mnist_dir() -> Path | None:
    """$MNIST_EDGE_DATA_DIR, else ../shared/data/mnist, if it holds the MNIST files."""
    for candidate in (os.environ.get("MNIST_EDGE_DATA_DIR"), SHARED_MNIST):
        if candidate and Path(candidate, "t10k-images-idx3-ubyte.gz").is_file():
            return Path(candidate)
    return None
