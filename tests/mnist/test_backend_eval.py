"""`mnist-edge eval --backend litert` on the 10,000 MNIST test images, beside onnxruntime.

The shipped .tflite twins reach exactly the accuracy their model card rows record, FP32 on
LiteRT predicts the digits FP32 on onnxruntime predicts, and INT8 stays within 0.1 point of
FP32 on both backends (the issue's target). Figures come from the card, never hard-coded.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.clirun import card_accuracy, mnist_edge
from mnist_edge.contract import MODEL_FILES, TFLITE_FILES

pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [litert] extra)")
pytestmark = pytest.mark.mnist


def eval_json(*args) -> dict:
    result = mnist_edge("eval", "--json", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no XNNPACK banner
    return {m["model"]: m for m in json.loads(result.stdout)["models"]}


def test_eval_litert_matches_the_card_and_onnxruntime(mnist_dir):
    lite = eval_json("--backend", "litert", "--data-dir", mnist_dir)
    ort = eval_json("--data-dir", mnist_dir)
    assert list(lite) == [TFLITE_FILES["fp32"], TFLITE_FILES["int8"]]  # default: the shipped twins
    for name, m in lite.items():
        assert m["backend"] == "litert" and m["images"] == 10_000
        assert m["accuracy"] == m["card_accuracy"] == card_accuracy(name)
    fp32_lite, fp32_ort = lite[TFLITE_FILES["fp32"]], ort[MODEL_FILES["fp32"]]
    assert np.array_equal(fp32_lite["confusion"], fp32_ort["confusion"])
    for models in (lite, ort):
        fp32, int8 = (m["accuracy"] for m in models.values())
        assert abs(fp32 - int8) <= 0.001
