"""Where INT8 loses accuracy: per-tensor SQNR of weights and activations, FP32 vs QDQ INT8.

What it is: onnxruntime.quantization.qdq_loss_debug run on the two exported files:
weights (float vs dequantized INT8) and activations (both models fed the same test
images, every intermediate tensor saved), as signal-to-quantization-noise ratios in dB
(higher is better; below ~20 dB a tensor is badly represented). Returns a JSON-ready dict
and prints it as a rich table, tensors in graph order.
What it isn't: a pass/fail check (the accuracy bound is accuracy.py's) or QOperator
support: the matching needs QuantizeLinear/DequantizeLinear pairs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization.qdq_loss_debug import (
    collect_activations, compute_activation_error, compute_weight_error,
    create_activation_matching, create_weight_matching, modify_model_output_intermediate_tensors)
from rich.console import Console
from rich.table import Table

from mnist_edge.export.calibration import MnistReader


def _activations(model: Path, images_u8: np.ndarray, tmp: Path) -> dict[str, list[np.ndarray]]:
    """Every intermediate float tensor of `model` over the images: name -> one array per batch."""
    augmented = tmp / f"{model.stem}.augmented.onnx"
    modify_model_output_intermediate_tensors(str(model), str(augmented))
    return collect_activations(str(augmented), MnistReader(images_u8))


def _graph_order(model: Path) -> dict[str, int]:
    """Tensor name -> position of its producer (or initializer/input) in the FP32 graph."""
    graph = onnx.load(model, load_external_data=False).graph
    names = [t.name for t in graph.initializer] + [i.name for i in graph.input]
    names += [out for node in graph.node for out in node.output]
    return {name: i for i, name in enumerate(names)}


def qdq_report(fp32: Path, int8: Path, images_u8: np.ndarray) -> dict:
    """{"images", "weights": {name: dB}, "activations": {name: {"fp32_vs_int8_db", "qdq_step_db"}}}."""
    weights = compute_weight_error(create_weight_matching(str(fp32), str(int8)))
    with tempfile.TemporaryDirectory(prefix="mnist-edge-qdq-") as tmp:
        float_acts = _activations(fp32, images_u8, Path(tmp))
        int8_acts = _activations(int8, images_u8, Path(tmp))
    matched = create_activation_matching(int8_acts, float_acts)
    errors = compute_activation_error({k: v for k, v in matched.items() if "float" in v})
    order = _graph_order(fp32)
    by_order = lambda name: order.get(name, len(order))  # noqa: E731
    return {
        "images": int(len(images_u8)),
        "unit": "SQNR in dB, higher is better",
        "note": ("fp32_vs_int8_db compares each tensor of the INT8 model with the FP32 model's; "
                 "qdq_step_db compares it just before and after its own Quantize/Dequantize pair "
                 "in the INT8 model, which for Conv/Gemm outputs with a folded Relu also counts "
                 "the clipped negatives, so it is low there by design"),
        "weights": {k: round(float(weights[k]), 2) for k in sorted(weights, key=by_order)},
        "activations": {k: {"fp32_vs_int8_db": round(float(errors[k]["xmodel_err"]), 2),
                            "qdq_step_db": round(float(errors[k]["qdq_err"]), 2)}
                        for k in sorted(errors, key=by_order)},
    }


def print_report(report: dict, console: Console) -> None:
    """The FP32-vs-INT8 column as one rich table: weights, then activations, in graph order."""
    table = Table(title=f"INT8 quantization loss per tensor ({report['images']} test images; "
                        "higher is better, below ~20 dB is poor)")
    table.add_column("kind")
    table.add_column("tensor")
    table.add_column("SQNR FP32 vs INT8, dB", justify="right")
    for name, db in report["weights"].items():
        table.add_row("weight", name, f"{db:.1f}")
    for name, err in report["activations"].items():
        table.add_row("activation", name, f"{err['fp32_vs_int8_db']:.1f}")
    console.print(table)
