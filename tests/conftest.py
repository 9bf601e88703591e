"""Shared fixtures. Tests are grouped in folders by what they need, and marked by folder:

  core/   the base install only (plus pytest)        -m core
  mnist/  the base install and the MNIST files       -m mnist
  train/  the [train] extra (torch, onnx)            -m torch
  venv/   builds fresh virtual environments          -m venv   (slow)
  arm64/  the runtime on emulated linux/aarch64       -m arm64  (slow)

The MNIST files come from ../shared/data/mnist (this workplace's stand-in for the download)
or $MNIST_EDGE_DATA_DIR. Tests that need them skip where they are absent, except in CI
(CI=true), where a missing data set is a failure, not a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SHARED_MNIST, find_mnist_dir
from helpers.wheel import build_wheel

REPO = Path(__file__).resolve().parent.parent


FOLDER_MARKS = {"core": ["core"], "mnist": ["mnist"], "train": ["torch", "mnist"],
                "venv": ["venv", "slow"], "arm64": ["arm64", "slow"], "serve": ["serve"]}


def pytest_collection_modifyitems(items):
    """Each test carries the marks of its folder, so `-m` selects by what a test needs."""
    for item in items:
        folder = Path(item.fspath).parent.name
        for mark in FOLDER_MARKS.get(folder, []):
            item.add_marker(mark)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four real MNIST files; skips (fails in CI) when absent."""
    folder = find_mnist_dir()
    if folder is None:
        message = f"MNIST files not found in $MNIST_EDGE_DATA_DIR or {SHARED_MNIST}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the data tests)")
        pytest.skip(message)
    return folder


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """No test reads or fills the user's real cache, or downloads by accident."""
    monkeypatch.setenv("MNIST_EDGE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("MNIST_EDGE_DATA_DIR", raising=False)


def needs_torch():
    """Module-level skip for tests of the [train] extra; they run in CI."""
    return pytest.importorskip("torch", reason="needs torch (pip install torch==2.13.0 -e '.[train]')")


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of this checkout's files (it carries the shipped
    artifacts); the build's own build/ folder lands in the copy, never in the checkout."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def runtime_venv(tmp_path_factory, project_wheel) -> Path:
    """A fresh venv holding only the base install (the runtime, no torch); returns its bin/."""
    venv = tmp_path_factory.mktemp("runtime-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    str(project_wheel)], check=True)
    return venv / "bin"
