"""Test-set evaluation of the exported files through the torch-free runtime.

What it is: accuracy of each ONNX file on the MNIST test images, run by mnist_edge.model.session
exactly as on the device, and the argmax agreement of INT8 with FP32 plus the INT8 bound.
What it isn't: the torch-vs-ONNX comparison (the tests do that) or the QDQ layer report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist_edge.errors import UserError
from mnist_edge.model.session import OnnxModel, predict_labels


def predictions(path: Path, images_u8: np.ndarray, threads: int) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) predicted digits of the model file."""
    return predict_labels(OnnxModel(path, threads=threads), images_u8)


def score(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(predicted == labels))


def compare_int8(fp32_pred: np.ndarray, int8_pred: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracies, the drop in percentage points, and how often the two models agree."""
    fp32, int8 = score(fp32_pred, labels), score(int8_pred, labels)
    return {"fp32_accuracy": fp32, "int8_accuracy": int8,
            "int8_drop_points": round(100 * (fp32 - int8), 4),
            "int8_fp32_agreement": score(int8_pred, fp32_pred)}


def check_int8_drop(result: dict, bound_points: float, out: Path) -> None:
    """UserError when INT8 loses more than `bound_points` percentage points of accuracy."""
    if result["int8_drop_points"] > bound_points:
        raise UserError(
            f"{out}: INT8 accuracy {result['int8_accuracy']:.2%} is {result['int8_drop_points']:.2f} "
            f"points below FP32 {result['fp32_accuracy']:.2%}, more than --max-int8-drop "
            f"{bound_points}; nothing written (try another --calibration-method "
            f"or more --calibration-images, or export FP32 only without --quantize)")
