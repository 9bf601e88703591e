"""The shipped artifacts: the card can never drift from the files it describes.

Recomputes every shipped file's SHA-256 and size, both models' accuracy on the full
10,000-image test set, and the golden vectors, through the torch-free runtime.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from mnist_edge.backends import open_backend
from mnist_edge.contract import TFLITE_FILES
from mnist_edge.data.mnist import load_split
from mnist_edge.model.session import OnnxModel, accuracy

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CARD = json.loads((ARTIFACTS / "model_card.json").read_text())


@pytest.mark.parametrize("name", sorted(CARD["files"]))
def test_file_matches_card(name):
    data = (ARTIFACTS / name).read_bytes()
    assert len(data) == CARD["files"][name]["bytes"]
    assert hashlib.sha256(data).hexdigest() == CARD["files"][name]["sha256"]


def test_card_lists_both_models():
    assert {m["precision"] for m in CARD["models"].values()} == {"fp32", "int8"}


@pytest.mark.parametrize("name", sorted(CARD["models"]))
def test_accuracy_matches_card(name, mnist_dir):
    backend = "onnxruntime"
    if name in TFLITE_FILES.values():
        pytest.importorskip("ai_edge_litert", reason="the .tflite rows need the [litert] extra")
        backend = "litert"
    test = load_split("test", mnist_dir)
    measured = accuracy(open_backend(backend, ARTIFACTS / name), test.images, test.labels)
    # Exact on the machine that exported; at most one image apart on another CPU's kernels.
    assert abs(measured - CARD["models"][name]["test_accuracy"]) <= 1e-4


def test_shipped_models_meet_targets():
    models = {m["precision"]: m["test_accuracy"] for m in CARD["models"].values()}
    assert models["fp32"] >= 0.996, "the default recipe's target: at least 99.6%"
    assert models["fp32"] - models["int8"] <= 0.001, "INT8 within 0.1 point of FP32"


def read_tensor_pb(path: Path) -> np.ndarray:
    onnx = pytest.importorskip("onnx")  # the runtime has its own reader; this checks the files
    from onnx import numpy_helper

    return numpy_helper.to_array(onnx.load_tensor(str(path)))


def test_golden_vectors_reproduce_with_fp32():
    model = OnnxModel(ARTIFACTS / "mnist_cnn.onnx")
    sets = sorted(ARTIFACTS.glob("test_data_set_*"))
    assert sets
    for folder in sets:
        x = read_tensor_pb(folder / "input_0.pb")  # (1, 1, 28, 28) float32 in [0, 1]
        expected = read_tensor_pb(folder / "output_0.pb")  # (1, 10) logits from torch
        np.testing.assert_allclose(model.predict_logits(x), expected, atol=1e-5, rtol=0)
