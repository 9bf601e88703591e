"""`mnist-edge export --tflite`: the exported torch module as mnist_cnn.tflite and mnist_cnn.int8.tflite.

What it is: litert-torch's conversion of the same eval-mode ReportCNN the ONNX export takes
(normalisation inside the graph; converted with batch 1, then made dynamic by an exact edit,
tflite_graph.py), and LiteRT's own quantizer (ai-edge-quantizer), INT8 static: int8
weights per output channel, int8 activations per tensor, MinMax ranges from the same first
calibration_images training images as the ONNX INT8, float32 input (a QUANTIZE op first, so
the runtime's contract holds) and float logits (the last layer, fc2, stays FP32 behind the
one DEQUANTIZE, as the ONNX INT8 keeps float logits). Both files are evaluated
on the test set through mnist_edge.backends.litert, as on the device, and INT8 is refused
when it loses more than max_int8_drop points against the TFLite FP32.
The converters are imported only here, only when --tflite is asked for.
What it isn't: the ONNX models, the card (card.py) or publishing (pipeline.py).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from mnist_edge.export.accuracy import compare_int8, score
from mnist_edge.export.config import ExportConfig
from rich.console import Console

from mnist_edge.contract import INPUT_DOC, OUTPUT_DOC, TFLITE_FILES
from mnist_edge.data.mnist import Split, load_split
from mnist_edge.errors import UserError
from mnist_edge.model.session import as_model_input, predict_labels

TFLITE_FP32_NAME, TFLITE_INT8_NAME = TFLITE_FILES["fp32"], TFLITE_FILES["int8"]
TFLITE_NAMES = (TFLITE_FP32_NAME, TFLITE_INT8_NAME)
METADATA_NAME = "mnist_edge"  # = mnist_edge.backends.litert.METADATA_NAME
TITLE = "The report's MNIST CNN ({precision}, TFLite): 28x28 handwritten digit -> logits for 0-9."
CONVERTERS = ("litert_torch", "ai_edge_quantizer", "ai_edge_litert")
_QUIET_LOGGERS = ("torchao", "litert_torch", "ai_edge_quantizer", "absl", "jax", "torch.export")


def require_converters() -> None:
    """UserError naming the missing package, before any work, when --tflite cannot run."""
    missing = [m for m in CONVERTERS if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"--tflite needs {', '.join(m.replace('_', '-') for m in missing)}, not "
                        "installed: see the [tflite] extra in pyproject.toml for the install lines")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the converters' logging and C++ stderr; shown only if the step fails."""
    levels = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    for name in levels:
        logging.getLogger(name).setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the quantizer's and exporter's advice
                yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace")[-4000:])
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


@torch.no_grad()
def convert_fp32(model: torch.nn.Module) -> bytes:
    """The eval-mode model as a batch-1 FP32 .tflite: image (1, 1, 28, 28) -> logits (1, 10)."""
    with quiet():
        import litert_torch

        example = (torch.rand(1, 1, 28, 28),)  # (1, 1, 28, 28) float32 in [0, 1]
        return bytes(litert_torch.convert(model.eval(), example).model_content())


def quantize_int8(fp32_batch1: bytes, calibration_u8: np.ndarray) -> bytes:
    """INT8 static of a batch-1 FP32 .tflite (float input and logits), MinMax-calibrated on
    (N, 28, 28) uint8 images, one image per invoke."""
    with quiet():
        from ai_edge_litert.interpreter import Interpreter
        from ai_edge_quantizer import quantizer

        interpreter = Interpreter(model_content=fp32_batch1)
        (key, signature), = interpreter.get_signature_list().items()
        recipe = int8_recipe(logits=interpreter.get_output_details()[0]["name"])
        pixels = as_model_input(calibration_u8)  # (N, 1, 28, 28) float32
        samples = [{signature["inputs"][0]: pixels[k : k + 1]} for k in range(len(pixels))]
        q = quantizer.Quantizer(fp32_batch1, recipe)
        ranges = q.calibrate({key: samples}, num_threads=1)
        return bytes(q.quantize(ranges, enable_progress_report=False).quantized_model)


def int8_recipe(logits: str) -> list:
    """int8 weights (per channel) and activations everywhere but the graph's input and output,
    and the layer writing `logits` (fc2, 1,600 of 1,495,168 MACs), which stays FP32: float
    logits as in the ONNX INT8 (int8_graph.float_output), half the logit error, same speed."""
    from ai_edge_quantizer import qtyping, recipe_manager
    from ai_edge_quantizer.algorithm_manager import AlgorithmName

    op = qtyping.TFLOperationName
    recipe = recipe_manager.RecipeManager()
    recipe.add_static_config(regex=".*", operation_name=op.ALL_SUPPORTED, activation_num_bits=8,
                             weight_num_bits=8, algorithm_key=AlgorithmName.MIN_MAX_UNIFORM_QUANT)
    for io_op in (op.INPUT, op.OUTPUT):
        recipe.add_quantization_config(regex=".*", operation_name=io_op,
                                       algorithm_key=AlgorithmName.NO_QUANTIZE)
    # an op's scope is "its output's name;"
    recipe.add_quantization_config(regex=f"^{re.escape(logits)};?$", operation_name=op.FULLY_CONNECTED,
                                   algorithm_key=AlgorithmName.NO_QUANTIZE)
    return recipe.get_quantization_recipe()


def quantization_settings(cfg: ExportConfig) -> dict:
    """What decides the INT8 .tflite, as recorded in its metadata and the card."""
    return {"tool": "ai-edge-quantizer", "scheme": "INT8 static, float32 input and logits (fc2 FP32)",
            "weights": "int8 symmetric, per output channel",
            "activations": "int8 asymmetric, per tensor", "calibration_method": "MinMax",
            "calibration_images": cfg.calibration_images,
            "calibration_data": f"the first {cfg.calibration_images} MNIST training images"}


def converter_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("litert-torch", "ai-edge-quantizer", "ai-edge-litert")}


def finish(batch1: bytes, meta: dict[str, str], precision: str) -> bytes:
    """Dynamic batch, and the model's description as its metadata entry."""
    from mnist_edge.export.tflite_graph import dynamic_batch, with_metadata

    described = {**meta, "title": TITLE.format(precision=precision), "input": INPUT_DOC,
                 "output": OUTPUT_DOC, "converters": json.dumps(converter_versions(), sort_keys=True)}
    return with_metadata(dynamic_batch(batch1), METADATA_NAME, described)


def predictions(path: Path, images_u8: np.ndarray, threads: int) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) digits predicted by the .tflite on LiteRT, as on the device."""
    from mnist_edge.backends.litert import LiteRTBackend

    return predict_labels(LiteRTBackend(path, threads=threads), images_u8)


def build_tflite(model: torch.nn.Module, cfg: ExportConfig, meta, test: Split, work: Path,
                 out: Path, console: Console) -> tuple[dict, dict]:
    """Write the .tflite file(s) into `work`; returns ({name: precision}, their evaluation)."""
    batch1 = convert_fp32(model)
    (work / TFLITE_FP32_NAME).write_bytes(finish(batch1, meta("fp32"), "FP32"))
    fp32_pred = predictions(work / TFLITE_FP32_NAME, test.images, cfg.threads)
    evaluation = {"fp32_accuracy": score(fp32_pred, test.labels)}
    console.print(f"TFLite FP32: test accuracy {evaluation['fp32_accuracy']:.2%}")
    models = {TFLITE_FP32_NAME: "fp32"}
    if cfg.quantize:
        calibration = load_split("train", cfg.data_dir).images[: cfg.calibration_images]
        settings = quantization_settings(cfg)
        int8 = finish(quantize_int8(batch1, calibration), meta("int8", settings), "INT8")
        (work / TFLITE_INT8_NAME).write_bytes(int8)
        result = compare_int8(fp32_pred, predictions(work / TFLITE_INT8_NAME, test.images,
                                                     cfg.threads), test.labels)
        evaluation.update(result, max_int8_drop_points=cfg.max_int8_drop, quantization=settings)
        console.print(f"TFLite INT8: test accuracy {result['int8_accuracy']:.2%} "
                      f"({result['int8_drop_points']:.2f} points below TFLite FP32), agrees "
                      f"with it on {result['int8_fp32_agreement']:.2%}")
        check_drop(result, cfg.max_int8_drop, out)
        models[TFLITE_INT8_NAME] = "int8"
    return models, evaluation


def check_drop(result: dict, bound_points: float, out: Path) -> None:
    """UserError when the INT8 .tflite loses more than `bound_points` points against its FP32."""
    if result["int8_drop_points"] > bound_points:
        raise UserError(
            f"{out}: TFLite INT8 accuracy {result['int8_accuracy']:.2%} is "
            f"{result['int8_drop_points']:.2f} points below TFLite FP32 "
            f"{result['fp32_accuracy']:.2%}, more than --max-int8-drop {bound_points}; nothing "
            f"written (try more --calibration-images, or export without --tflite)")
