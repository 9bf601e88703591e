"""ExportConfig: every option of `mnist-edge export`, with its default. Imports no torch.

What it is: the dataclass the CLI fills (its defaults appear in --help without importing
torch) and the exporter takes as its one argument, plus `checked()`, which validates the
choices and spells them the way onnxruntime's enums do.
What it isn't: any export work (pipeline.py and the modules it calls).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pathlib import Path

from mnist_edge.errors import UserError
from mnist_edge.options import option
from mnist_edge.data import DATA_DIR_HELP

QUANT_FORMATS = ("QDQ", "QOperator")  # onnxruntime.quantization.QuantFormat members
QUANT_TYPES = ("QUInt8", "QInt8")  # onnxruntime.quantization.QuantType members
CALIBRATION_METHODS = ("MinMax", "Entropy", "Percentile")  # CalibrationMethod members
ENTROPY_BINS = 2048  # histogram bins of the Entropy calibration (see quantize.py)
PERCENTILE = 99.999  # onnxruntime's default for the Percentile calibration
MIN_OPSET = 18  # the dynamo exporter's own opset; older ones need a lossy version conversion


@dataclass
class ExportConfig:
    checkpoint: str = option("runs/train/checkpoint.pt", "The trained checkpoint to export.",
                             cli_type=Path)
    out: str = option("runs/export", "Folder for the .onnx models, golden test vectors and model "
                                     "card (replaced whole, only when everything succeeded).",
                      cli_type=Path)
    opset: int = option(MIN_OPSET, f"ONNX opset ({MIN_OPSET} or newer).", min=MIN_OPSET)
    quantize: bool = option(False, "Also write the static INT8 model mnist_cnn.int8.onnx.")
    calibration_images: int = option(1000, "INT8 calibration: the first N MNIST training images.",
                                     "images", min=1)
    quant_format: str = option("QDQ", "INT8 graph format: QDQ or QOperator.")
    activation_type: str = option("QUInt8", "INT8 activations: QUInt8 or QInt8.")
    weight_type: str = option("QInt8", "INT8 weights: QInt8 or QUInt8.")
    calibration_method: str = option("MinMax", "INT8 activation ranges: MinMax, Entropy or Percentile.")
    per_channel: bool = option(True, "INT8 weight scales per output channel or per tensor.",
                               flags=("--per-channel/--per-tensor",))
    reduce_range: bool = option(False, "7-bit INT8 weights, for x86 CPUs without VNNI.")
    # The first conv (one input channel) stays FP32 and its Relu moves behind its MaxPool, and
    # the logits stay float: without these, INT8 is no faster than FP32 (bench/INT8.md).
    fp32_first_conv: bool = True
    float_logits: bool = True
    max_int8_drop: float = option(0.3, "Fail (writing nothing) if INT8 test accuracy is more than "
                                       "this far below FP32.", "percentage points")
    min_confidence: float | None = option(
        None, "The not-a-digit threshold the models carry (top probability below it: not read as "
              "a digit); default: the checkpoint's, fitted on clean validation digits. Choose it "
              "on validation data (bench/scripts/photoset_issue10.py threshold).", min=0.0, max=1.0)
    min_logsumexp: float | None = option(
        None, "The models' second not-a-digit threshold: an image whose logits' logsumexp is below "
              "it looks like no digit at all; default: none. Choose it on validation data "
              "(bench/scripts/photoset_issue10.py threshold --min-confidence).")
    from_export: str | None = option(
        None, "Instead of exporting --checkpoint: copy the export in this folder into --out with "
              "only the thresholds changed (--min-confidence, --min-logsumexp), in every model's "
              "metadata and the card; the weights stay bit for bit, no torch needed.", cli_type=Path)
    tflite: bool = option(False, "Also write mnist_cnn.tflite (and mnist_cnn.int8.tflite with "
                                 "--quantize) for the LiteRT backend; needs the [tflite] extra.")
    qdq_report: bool = option(False, "Print and save qdq_report.json: per-tensor SQNR of weights "
                                     "and activations, FP32 vs INT8.")
    qdq_report_images: int = option(100, "Test images the QDQ report runs through both models.",
                                    "images", min=1)
    golden_sets: int = option(3, "Golden test vectors to write: test_data_set_0..N-1.", min=0)
    threads: int = option(1, "onnxruntime threads for evaluation; 0 = its default.", min=0)
    data_dir: str | None = option(None, DATA_DIR_HELP, cli_type=Path)
    command: str | None = None  # the command line recorded in the model card

    def checked(self) -> "ExportConfig":
        """A copy with validated options and canonical choice spellings; UserError otherwise."""
        if self.opset < MIN_OPSET:
            raise UserError(f"--opset {self.opset}: the dynamo exporter needs opset {MIN_OPSET} or newer")
        for flag, value in (("--calibration-images", self.calibration_images),
                              ("--qdq-report-images", self.qdq_report_images)):
            if value < 1:
                raise UserError(f"{flag} {value}: must be at least 1")
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
