"""ExportConfig: every option of `mnist-edge export`, with its default. Imports no torch.

What it is: the dataclass the CLI fills (its defaults appear in --help without importing
torch) and the exporter takes as its one argument, plus `checked()`, which validates the
choices and spells them the way onnxruntime's enums do.
What it isn't: any export work (pipeline.py and the modules it calls).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mnist_edge.errors import UserError

QUANT_FORMATS = ("QDQ", "QOperator")  # onnxruntime.quantization.QuantFormat members
QUANT_TYPES = ("QUInt8", "QInt8")  # onnxruntime.quantization.QuantType members
CALIBRATION_METHODS = ("MinMax", "Entropy", "Percentile")  # CalibrationMethod members
ENTROPY_BINS = 2048  # histogram bins of the Entropy calibration (see quantize.py)
PERCENTILE = 99.999  # onnxruntime's default for the Percentile calibration
MIN_OPSET = 18  # the dynamo exporter's own opset; older ones need a lossy version conversion


@dataclass
class ExportConfig:
    checkpoint: str = "runs/train/checkpoint.pt"
    out: str = "runs/export"
    opset: int = MIN_OPSET
    quantize: bool = False
    calibration_images: int = 1000  # the first N MNIST training images
    quant_format: str = "QDQ"
    activation_type: str = "QUInt8"
    weight_type: str = "QInt8"
    calibration_method: str = "MinMax"
    per_channel: bool = True
    reduce_range: bool = False  # 7-bit weights, for x86 CPUs without VNNI
    # The first conv (one input channel) stays FP32 and its Relu moves behind its MaxPool, and
    # the logits stay float: without these, INT8 is no faster than FP32 (bench/INT8.md).
    fp32_first_conv: bool = True
    float_logits: bool = True
    max_int8_drop: float = 0.3  # percentage points of test accuracy INT8 may lose vs FP32
    qdq_report: bool = False
    tflite: bool = False  # also mnist_cnn.tflite (+ .int8.tflite with quantize): export/tflite.py
    qdq_report_images: int = 100  # the first N test images
    golden_sets: int = 3  # test_data_set_0 .. test_data_set_{N-1}
    threads: int = 1  # onnxruntime intra-op threads of the test-set evaluation
    data_dir: str | None = None
    command: str | None = None  # the command line recorded in the model card

    def checked(self) -> "ExportConfig":
        """A copy with validated options and canonical choice spellings; UserError otherwise."""
        if self.opset < MIN_OPSET:
            raise UserError(f"--opset {self.opset}: the dynamo exporter needs opset {MIN_OPSET} or newer")
        for option, value in (("--calibration-images", self.calibration_images),
                              ("--qdq-report-images", self.qdq_report_images)):
            if value < 1:
                raise UserError(f"{option} {value}: must be at least 1")
        if self.golden_sets < 0 or self.threads < 0:
            raise UserError("--golden-sets and --threads must not be negative")
        if self.qdq_report and not self.quantize:
            raise UserError("--qdq-report compares the FP32 and INT8 models: add --quantize")
        canonical = replace(
            self,
            quant_format=_choice("--quant-format", self.quant_format, QUANT_FORMATS),
            activation_type=_choice("--activation-type", self.activation_type, QUANT_TYPES),
            weight_type=_choice("--weight-type", self.weight_type, QUANT_TYPES),
            calibration_method=_choice("--calibration-method", self.calibration_method,
                                       CALIBRATION_METHODS))
        if (canonical.activation_type, canonical.weight_type) == ("QInt8", "QUInt8"):
            raise UserError("--activation-type QInt8 with --weight-type QUInt8: onnxruntime "
                            "has no kernels for signed activations with unsigned weights")
        if canonical.qdq_report and canonical.quant_format != "QDQ":
            raise UserError("--qdq-report reads QuantizeLinear/DequantizeLinear pairs: "
                            "it needs --quant-format QDQ")
        return canonical

    def quantization(self) -> dict:
        """The settings that decide the INT8 model, as recorded in its metadata and the card."""
        settings = {"format": self.quant_format, "activation_type": self.activation_type,
                    "weight_type": self.weight_type, "calibration_method": self.calibration_method,
                    "per_channel": self.per_channel, "reduce_range": self.reduce_range,
                    "fp32_first_conv": self.fp32_first_conv, "float_logits": self.float_logits,
                    "calibration_images": self.calibration_images,
                    "calibration_data": f"the first {self.calibration_images} MNIST training images"}
        if self.calibration_method == "Entropy":
            settings["histogram_bins"] = ENTROPY_BINS
        if self.calibration_method == "Percentile":
            settings["percentile"] = PERCENTILE
        return settings


def _choice(option: str, value: str, choices: tuple[str, ...]) -> str:
    """`value` matched case-insensitively against `choices`, returned in the canonical spelling."""
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise UserError(f"{option} {value}: expected one of {', '.join(choices)}")
