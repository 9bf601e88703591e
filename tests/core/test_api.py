"""The public Python API (mnist_edge.api): the README's example runs, and every input kind agrees.

What it is: the README example executed as a user would (a subprocess in the checkout), and the
same sample read from a path, bytes, a Pillow image and numpy arrays giving the same digit and
probability as `mnist-edge predict --json`; failures as values; the "unsure" threshold.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import mnist_edge
from helpers.clirun import ARTIFACTS, REPO, json_lines, mnist_edge as cli
from mnist_edge.api import Failure, Prediction
from mnist_edge.calibration import logsumexp, softmax
from mnist_edge.views import views

SAMPLE = next((ARTIFACTS / "samples").glob("digit_7_*.png"))


@pytest.fixture(scope="module")
def reader():
    return mnist_edge.load()


def readme_example() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("### Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs_and_prints_what_it_says():
    # -P: the installed mnist_edge (the wheel, where it is one), not the checkout's folder
    result = subprocess.run([sys.executable, "-P", "-c", readme_example()], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "7" and 0.5 < float(lines[0].split()[1]) <= 1
    assert lines[1] == "None blank"
    first, second = (eval(line, {}) for line in lines[2:4])  # dict reprs
    assert first["digit"] == 3 and len(first["top"]) == 3
    assert second["file"] == "<bytes>" and "not an image" in second["error"]


def test_every_input_kind_gives_the_cli_answer(reader):
    (expected,) = json_lines(cli("predict", "--json", SAMPLE).stdout)
    data = SAMPLE.read_bytes()
    img = Image.open(SAMPLE)
    grey = np.asarray(img.convert("L"))  # (H, W) uint8
    inputs = [SAMPLE, str(SAMPLE), data, bytearray(data), img, grey, grey[..., None],
              np.stack([grey] * 3, axis=-1), grey.astype(np.float32) / 255]
    for item in inputs:
        p = reader.predict(item)
        assert isinstance(p, Prediction)
        assert p.digit == expected["digit"], type(item)
        assert p.probability == pytest.approx(expected["probability"], abs=1e-5), type(item)
    assert reader.predict(SAMPLE).to_dict() == expected


def test_predict_many_batches_and_keeps_order_with_failures(reader, tmp_path):
    (tmp_path / "bad.png").write_text("no image here")
    items = [SAMPLE, tmp_path / "bad.png", tmp_path / "gone.png", np.zeros((3, 3, 7)), 42]
    results = reader.predict_many(items, top_k=2, see=True)
    assert isinstance(results[0], Prediction) and results[0].pixels.shape == (28, 28)
    assert [type(r) for r in results[1:]] == [Failure] * 4
    assert "not an image" in results[1].error and "file not found" in results[2].error
    assert "(3, 3, 7)" in results[3].error and "int" in results[4].error
    assert json.loads(json.dumps([r.to_dict() for r in results]))  # JSON-ready
    with pytest.raises(mnist_edge.UserError, match="gone.png: file not found"):
        reader.predict(tmp_path / "gone.png")


def test_min_confidence_turns_a_low_probability_into_unsure():
    strict = mnist_edge.load(min_confidence=1.0)
    p = strict.predict(SAMPLE, top_k=3)
    assert p.digit is None and p.reason == "unsure" and p.top[0].digit == 7
    assert p.to_dict()["reason"] == "unsure"
    with pytest.raises(mnist_edge.UserError, match="between 0 and 1"):
        mnist_edge.load(min_confidence=1.5)


def test_min_logsumexp_turns_what_looks_like_no_digit_into_not_a_digit(reader):
    """The shipped model carries both thresholds; over the sample's logsumexp (the mean logits of
    its five views) the answer is "not_a_digit" although its probability stays high; a bad
    value is a UserError, and the model's own is used when none is given."""
    meta = reader.backend.metadata
    assert reader.min_logsumexp == float(meta["min_logsumexp"])
    assert reader.min_confidence == float(meta["min_confidence"])
    p = reader.predict(SAMPLE, see=True)
    energy = float(logsumexp(reader.backend.predict_logits(views(p.pixels[None])[:, None]).mean(0, keepdims=True))[0])
    assert p.digit == 7 and energy > reader.min_logsumexp
    above = mnist_edge.load(min_logsumexp=energy + 0.01).predict(SAMPLE)
    assert above.digit is None and above.reason == "not_a_digit" and above.probability > 0.99
    assert above.to_dict()["reason"] == "not_a_digit"
    assert mnist_edge.load(min_logsumexp=energy - 0.01).predict(SAMPLE).digit == 7
    with pytest.raises(mnist_edge.UserError, match="finite"):
        mnist_edge.load(min_logsumexp=float("nan"))


def test_predict_reads_the_mean_of_five_shifted_views(reader):
    """The probability predict reports is the softmax of the mean logits of the reading and its
    four diagonal one-pixel shifts (mnist_edge.views), not of the reading alone."""
    p = reader.predict(SAMPLE, see=True)
    logits = reader.backend.predict_logits(views(p.pixels[None])[:, None])  # (5, 10)
    alone, mean = softmax(logits[:1]), softmax(logits.mean(axis=0, keepdims=True))  # (1, 10) each
    assert p.digit == 7 and p.probability == pytest.approx(float(mean.max()), abs=1e-6)
    assert abs(float(alone.max()) - float(mean.max())) > 1e-6  # the views do change it


def test_importing_the_package_imports_nothing_heavy():
    code = "import sys, mnist_edge; print(sorted(m for m in ('numpy', 'onnxruntime', 'PIL') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_batch_thins_each_reading_once(reader):
    """predict_many fits every image before the network runs; the strokes of a 0, 4 or 7 judged
    before it (shape verdicts) are looked up, not thinned again, when judged against the
    network's digit after it (shape.contradicts). With the cache of 8 before, these 30 images
    were thinned 48 times (24 distinct readings, each twice)."""
    from mnist_edge.image import shape

    samples = [Image.open(next((ARTIFACTS / "samples").glob(f"digit_{d}_*.png"))).convert("L") for d in (0, 4, 7)]
    images = [s.rotate(angle, fillcolor=0) for angle in range(-10, 10, 2) for s in samples]  # 30 images
    shape._strokes.cache_clear()
    results = reader.predict_many(images)
    assert [r.digit for r in results] == [0, 4, 7] * 10
    assert shape._strokes.cache_info().misses <= len(images)  # (rotations may fit alike)
