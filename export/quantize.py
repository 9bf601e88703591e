"""FP32 ONNX -> static INT8 ONNX with onnxruntime's own tooling.

What it is: quant_pre_process (symbolic shape inference + ORT graph optimisation, needs
sympy), then quantize_static calibrated on MNIST training images, with the format, types,
calibration method and per-channel setting of ExportConfig. By default the first conv stays
FP32 (with its Relu behind its MaxPool) and the logits stay float (int8_graph.py says why;
bench/INT8.md has the measurements). Unused opset imports that the pre-processing adds
(training, preview, ...) are pruned. Returns the INT8 ModelProto.

Entropy: quantize_static builds its calibrator with 128 histogram bins and 128 quantized
bins, so the KL search has one candidate and returns the MinMax ranges (and it passes no
num_bins through). The Entropy ranges are therefore computed here with 2048 bins (as in
TensorRT's method) and handed to quantize_static as its calibration cache.
What it isn't: the accuracy check against FP32 (accuracy.py / pipeline.py) or metadata.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.calibrate import create_calibrator, save_tensors_data
from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry
from onnxruntime.quantization.shape_inference import quant_pre_process

from mnist_edge.export.calibration import MnistReader
from mnist_edge.export.config import ENTROPY_BINS, ExportConfig
from mnist_edge.export.int8_graph import first_conv, float_output, pool_before_relu


def quantize_int8(fp32_path: Path, train_images_u8: np.ndarray, cfg: ExportConfig) -> onnx.ModelProto:
    """The INT8 model of the FP32 file, calibrated on (N, 28, 28) uint8 training images."""
    with tempfile.TemporaryDirectory(prefix="mnist-edge-quant-") as tmp:
        prepared, quantized = Path(tmp, "prepared.onnx"), Path(tmp, "int8.onnx")
        quant_pre_process(str(fp32_path), str(prepared))
        excluded = keep_first_conv_fp32(prepared) if cfg.fp32_first_conv else []
        reader, cache = MnistReader(train_images_u8[: cfg.calibration_images]), None
        with contextlib.redirect_stdout(io.StringIO()):  # histogram calibrators print() progress
            if cfg.calibration_method == "Entropy":
                reader, cache = None, entropy_ranges(prepared, reader, Path(tmp))
            quantize_static(
                str(prepared), str(quantized), reader, calibration_cache_path=cache,
                quant_format=QuantFormat[cfg.quant_format],
                activation_type=QuantType[cfg.activation_type],
                weight_type=QuantType[cfg.weight_type],
                calibrate_method=CalibrationMethod[cfg.calibration_method],
                per_channel=cfg.per_channel, reduce_range=cfg.reduce_range,
                nodes_to_exclude=excluded)
        proto = onnx.load(quantized)
    if cfg.float_logits:
        float_output(proto)
    return prune_opsets(proto)


def keep_first_conv_fp32(prepared: Path) -> list[str]:
    """Move the first conv's Relu behind its MaxPool (in the file); returns [that conv's name]."""
    proto = onnx.load(prepared)
    conv = first_conv(proto)
    pool_before_relu(proto, conv)
    onnx.save(proto, prepared)
    return [conv.name]


def entropy_ranges(model: Path, reader: MnistReader, tmp: Path) -> Path:
    """Entropy (KL) activation ranges with ENTROPY_BINS bins, saved as a calibration cache."""
    calibrator = create_calibrator(
        model, sorted(set(QLinearOpsRegistry) | set(QDQRegistry)),
        augmented_model_path=str(tmp / "entropy_augmented.onnx"),
        calibrate_method=CalibrationMethod.Entropy, extra_options={"num_bins": ENTROPY_BINS})
    calibrator.collect_data(reader)
    save_tensors_data(calibrator.compute_data(), tmp / "entropy_ranges.json")
    return tmp / "entropy_ranges.json"


def prune_opsets(proto: onnx.ModelProto) -> onnx.ModelProto:
    """Keep the default domain and the domains some node uses; drop the rest in place."""
    used = {node.domain for node in proto.graph.node} | {""}
    kept = [o for o in proto.opset_import if o.domain in used or o.domain == "ai.onnx"]
    del proto.opset_import[:]
    proto.opset_import.extend(kept)
    return proto
