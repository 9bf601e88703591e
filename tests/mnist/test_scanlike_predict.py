"""Real-image accuracy: MNIST test digits turned into scan-like files, read by `mnist-edge predict`.

300 test digits (every kind of tests/scanlike.py in turn: inverted, upscaled, off-centre,
noisy, JPEG, transparent, 16-bit, bilevel, palette, EXIF-rotated, speckled) go through the
real CLI in one call (--json); the accuracy must stay within 1.5 points of the shipped
model's accuracy on the same 300 clean digits. bench/scripts/scanlike.py records the measured figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.clirun import json_lines, mnist_edge
from mnist_edge.data.mnist import load_split
from mnist_edge.model.session import OnnxModel, predict_labels
from mnist_edge.synth.scanlike import KINDS, write_scan_like

pytestmark = [pytest.mark.mnist, pytest.mark.slow]
COUNT = 300
MAX_DROP = 0.015


def test_scan_like_accuracy_stays_close_to_clean(mnist_dir, tmp_path):
    test = load_split("test", mnist_dir)
    images, labels = test.images[:COUNT], test.labels[:COUNT]
    rng = np.random.default_rng(0)
    kinds = list(KINDS)
    files = [write_scan_like(img, rng, kinds[i % len(kinds)], tmp_path / f"{i:03d}_{kinds[i % len(kinds)]}")
             for i, img in enumerate(images)]
    result = mnist_edge("predict", "--json", tmp_path)
    assert result.returncode == 0, result.stderr
    predicted = {r["file"]: r["digit"] for r in json_lines(result.stdout)}
    scan = np.mean([predicted[str(f)] == label for f, label in zip(files, labels)])
    clean = np.mean(predict_labels(OnnxModel(), images) == labels)
    print(f"scan-like {scan:.4f} vs clean {clean:.4f} on {COUNT} test digits")
    assert scan >= clean - MAX_DROP
