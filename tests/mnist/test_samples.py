"""artifacts/samples/: what scripts/make_samples.py writes, and what ships."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from helpers.clirun import ARTIFACTS, REPO
from mnist_edge.data.mnist import load_split

SAMPLES = ARTIFACTS / "samples"


def sample_files():
    return sorted(SAMPLES.glob("*.png"))


def test_one_sample_per_digit_and_the_attribution():
    names = [p.name for p in sample_files()]
    assert len(names) == 10 and all(re.fullmatch(r"digit_\d_idx\d+\.png", n) for n in names)
    assert sorted(int(n[6]) for n in names) == list(range(10))
    text = (SAMPLES / "ATTRIBUTION.md").read_text()
    for needle in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0", *names):
        assert needle in text


@pytest.mark.mnist
def test_samples_are_the_first_test_image_of_each_digit(mnist_dir):
    test = load_split("test", mnist_dir)
    for path in sample_files():
        digit, index = map(int, re.fullmatch(r"digit_(\d)_idx(\d+)\.png", path.name).groups())
        assert test.labels[index] == digit and digit not in test.labels[:index]
        with Image.open(path) as image:
            assert image.mode == "L" and np.array_equal(np.asarray(image), test.images[index])


@pytest.mark.mnist
def test_make_samples_reproduces_the_shipped_files(mnist_dir, tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_samples.py"), "--data-dir",
                    str(mnist_dir), "--out", str(tmp_path)], check=True, capture_output=True)
    shipped = {p.name: p.read_bytes() for p in SAMPLES.iterdir()}
    made = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert made == shipped
