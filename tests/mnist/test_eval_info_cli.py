"""`mnist-edge eval` and `mnist-edge info` through the real console script, on the shipped models.

Accuracies are compared with model_card.json, never with hard-coded numbers (the shipped models
are replaced by the final trained ones later). No timing is asserted; throughput only exists.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from helpers.clirun import ARTIFACTS, CARD, card_accuracy, mnist_edge
from mnist_edge.model.check import shipped_model

pytestmark = pytest.mark.mnist
NAMES = ["mnist_cnn.onnx", "mnist_cnn.int8.onnx"]


def eval_json(*args) -> dict:
    result = mnist_edge("eval", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_eval_limit_json_is_consistent(mnist_dir):
    report = eval_json("--data-dir", mnist_dir, "--limit", "500")
    assert report["images"] == 500
    assert [m["model"] for m in report["models"]] == NAMES  # default: both shipped models
    assert [m["precision"] for m in report["models"]] == ["fp32", "int8"]
    for m in report["models"]:
        confusion = np.array(m["confusion"])
        assert confusion.shape == (10, 10) and confusion.sum() == 500
        assert m["accuracy"] == pytest.approx(np.trace(confusion) / 500)
        per_class = np.diag(confusion) / confusion.sum(axis=1)
        assert m["per_class_accuracy"] == pytest.approx(per_class.tolist())
        assert m["inference_s"] > 0 and m["images_per_s"] > 0
        assert m["card_accuracy"] == card_accuracy(m["model"])


@pytest.mark.slow
def test_full_eval_matches_the_model_card(mnist_dir):
    report = eval_json("--data-dir", mnist_dir)
    assert report["images"] == 10_000
    for m in report["models"]:
        # exact on the exporting machine; at most one image apart on other CPU kernels
        assert abs(m["accuracy"] - card_accuracy(m["model"])) <= 1e-4


def test_eval_table_and_plot(mnist_dir, tmp_path):
    plot = tmp_path / "confusion.png"
    result = mnist_edge("eval", "--data-dir", mnist_dir, "--limit", "300", "--plot", plot,
                        "--model", shipped_model("int8"))
    assert result.returncode == 0, result.stderr
    for needle in ("MNIST test set, 300 images", "mnist_cnn.int8.onnx (INT8)", "accuracy",
                   "throughput", "digit 9", "confusion matrix, mnist_cnn.int8.onnx"):
        assert needle in result.stdout
    with Image.open(plot) as image:
        assert image.format == "PNG" and image.width > 400 and image.height > 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["confusion.png"]  # no temp file left


def test_eval_side_by_side_plot_has_a_panel_per_model(mnist_dir, tmp_path):
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    mnist_edge("eval", "--data-dir", mnist_dir, "--limit", "50", "--plot", one, "--model", shipped_model())
    mnist_edge("eval", "--data-dir", mnist_dir, "--limit", "50", "--plot", two)
    with Image.open(one) as a, Image.open(two) as b:
        assert b.width == 2 * a.width and b.height == a.height


def test_eval_missing_data_dir_is_one_line(tmp_path):
    result = mnist_edge("eval", "--data-dir", tmp_path / "nowhere", "--limit", "10")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'nowhere'}: missing MNIST file")


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_info_json(precision):
    path = shipped_model(precision)
    result = mnist_edge("info", "--json", path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    entry = CARD["models"][path.name]
    assert info["sha256"] == entry["sha256"] and info["bytes"] == path.stat().st_size
    assert info["card_sha256"] == "matches" and info["precision"] == precision
    assert info["inputs"] == ["image: float32 [N, 1, 28, 28]"]
    assert info["outputs"] == ["logits: float32 [N, 10]"]
    assert info["runtime_contract"] == "ok" and info["external_data"] == []
    assert info["opsets"]["ai.onnx"] >= 18 and info["ir_version"] >= 7
    assert info["card_entry"] == entry
    assert info["metadata"].get("precision", precision) == precision


def test_info_text_defaults_to_the_shipped_int8_model(tmp_path):
    result = mnist_edge("info", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    entry = CARD["models"]["mnist_cnn.int8.onnx"]
    for needle in (f"file:             {ARTIFACTS / 'mnist_cnn.int8.onnx'}", f"sha256:           {entry['sha256']}",
                   "precision:        INT8", "input:            image: float32 [N, 1, 28, 28]",
                   "output:           logits: float32 [N, 10]", "runtime contract: ok", "(matches)",
                   "metadata (metadata_props):", "model card entry:"):
        assert needle in text, needle


def test_info_not_onnx_is_one_line(tmp_path):
    bogus = tmp_path / "model.onnx"
    bogus.write_text("hello")
    result = mnist_edge("info", bogus)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bogus}: not an ONNX model")
