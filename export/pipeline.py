"""`mnist-edge export` end to end: checkpoint -> FP32 (+ INT8) ONNX, golden vectors, model card.

What it is: the order of the steps. Everything is built and evaluated in a staging folder
beside --out first; only when all of it succeeded (INT8 within its accuracy bound included)
is it swapped in for --out whole (mnist_edge.publish), keeping the user's own files there. A
failure, a kill or a full disk leaves --out as it was (or absent, if it was).
What it isn't: any step itself; each lives in its own module of this package.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console

from mnist_edge.contract import MODEL_FILES, command_line
from mnist_edge.data.mnist import Split, data_checksums, load_split
from mnist_edge.export.card import build_card, file_entries, write_card
from mnist_edge.export.config import ExportConfig
from mnist_edge.export.accuracy import (calibration_error, check_int8_drop, compare_int8,
                                         predictions, score)
from mnist_edge.export.files import is_export_name, save_self_contained
from mnist_edge.model.check import sha256_of
from mnist_edge.export.golden import golden_names, write_golden
from mnist_edge.export.load import load_model, training_summary
from mnist_edge.export.metadata import annotate, export_versions, model_metadata
from mnist_edge.export.qdq_report import print_report, qdq_report
from mnist_edge.export.quantize import quantize_int8
from mnist_edge.export.tflite import build_tflite, require_converters
from mnist_edge.export.to_onnx import export_fp32
from mnist_edge.fsguard import writing
from mnist_edge.publish import publish_folder, staging, target_of

FP32_NAME, INT8_NAME = MODEL_FILES["fp32"], MODEL_FILES["int8"]
QDQ_REPORT_NAME = "qdq_report.json"
TITLE = "The report's MNIST CNN ({precision}): 28x28 handwritten digit -> logits for 0-9."


def _export_fp32(model, cfg: ExportConfig, meta, work: Path) -> Path:
    path = work / FP32_NAME
    proto = annotate(export_fp32(model, cfg.opset), meta("fp32"), TITLE.format(precision="FP32"))
    save_self_contained(proto, path)
    return path


def _export_int8(fp32: Path, cfg: ExportConfig, meta, work: Path) -> Path:
    path = work / INT8_NAME
    train = load_split("train", cfg.data_dir)
    # quantize_static rebuilds the output (losing its doc string) and keeps precision=fp32: re-describe
    proto = quantize_int8(fp32, train.images, cfg)
    save_self_contained(annotate(proto, meta("int8", cfg.quantization()),
                                 TITLE.format(precision="INT8")), path)
    return path


def build_models(model, cfg: ExportConfig, meta, test: Split, work: Path, out: Path,
                 console: Console) -> tuple[dict, dict]:
    """Export (and quantize), evaluate on the test set; returns ({name: precision}, evaluation)."""
    fp32 = _export_fp32(model, cfg, meta, work)
    fp32_pred = predictions(fp32, test.images, cfg.threads)
    evaluation = {"test_images": int(len(test.labels)), "fp32_accuracy": score(fp32_pred, test.labels)}
    evaluation["fp32_ece"] = calibration_error(fp32, test.images, test.labels, cfg.threads)
    console.print(f"FP32: test accuracy {evaluation['fp32_accuracy']:.2%}, "
                  f"calibration error {evaluation['fp32_ece']:.2%}")
    models = {FP32_NAME: "fp32"}
    if cfg.quantize:
        int8 = _export_int8(fp32, cfg, meta, work)
        result = compare_int8(fp32_pred, predictions(int8, test.images, cfg.threads), test.labels)
        evaluation.update(result, max_int8_drop_points=cfg.max_int8_drop,
                          int8_ece=calibration_error(int8, test.images, test.labels, cfg.threads))
        console.print(f"INT8: test accuracy {result['int8_accuracy']:.2%} "
                      f"({result['int8_drop_points']:.2f} points below FP32), agrees with FP32 "
                      f"on {result['int8_fp32_agreement']:.2%}")
        check_int8_drop(result, cfg.max_int8_drop, out)
        models[INT8_NAME] = "int8"
    return models, evaluation


def write_qdq_report(work: Path, test_images: np.ndarray, cfg: ExportConfig,
                     console: Console) -> list[str]:
    report = qdq_report(work / FP32_NAME, work / INT8_NAME, test_images[: cfg.qdq_report_images])
    print_report(report, console)
    with writing(work / QDQ_REPORT_NAME):
        (work / QDQ_REPORT_NAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return [QDQ_REPORT_NAME]


def run_export(cfg: ExportConfig, console: Console | None = None) -> dict:
    """Run the whole export into cfg.out; returns the model card."""
    console = console or Console()
    cfg = cfg.checked()
    if cfg.tflite:
        require_converters()
    model, state = load_model(cfg.checkpoint)
    out = Path(cfg.out)
    with staging(out, is_export_name) as work, writing(work):  # --out checked before the work
        summary = training_summary(state)
        if cfg.min_confidence is not None:  # chosen on validation photos instead of clean digits
            summary |= {"min_confidence": cfg.min_confidence,
                        "min_confidence_source": "export --min-confidence"}
        if cfg.min_logsumexp is not None:
            summary |= {"min_logsumexp": cfg.min_logsumexp}
        data_md5 = data_checksums(cfg.data_dir)
        checkpoint = {"path": str(cfg.checkpoint), "sha256": sha256_of(cfg.checkpoint)}
        meta = partial(model_metadata, summary, checkpoint["sha256"], data_md5)  # (precision, quant)
        test = load_split("test", cfg.data_dir)
        models, evaluation = build_models(model, cfg, meta, test, work, out, console)
        accuracies = {}
        if cfg.tflite:
            tflite, evaluation["tflite"] = build_tflite(model, cfg, meta, test, work, out, console)
            models.update(tflite)
            accuracies = {name: evaluation["tflite"][f"{p}_accuracy"] for name, p in tflite.items()}
        written = [*models, *write_golden(model, test.images, work, cfg.golden_sets)]
        if cfg.qdq_report:
            written += write_qdq_report(work, test.images, cfg, console)
        files = file_entries(work, written)
        card = build_card(
            command=cfg.command or command_line(), summary=summary, checkpoint=checkpoint,
            data_md5=data_md5, versions=export_versions(), models=models, evaluation=evaluation,
            files=files, quantization=cfg.quantization() if cfg.quantize else None,
            golden=golden_names(cfg.golden_sets),
            qdq_report=QDQ_REPORT_NAME if cfg.qdq_report else None, accuracies=accuracies)
        written += write_card(card, work)
        publish_folder(work, out, is_export_name)
    _say_written(console, out, written, cfg.golden_sets)
    return card


def _say_written(console: Console, out: Path, written: list[str], sets: int) -> None:
    """Which files --out now holds, and the command that runs the new model."""
    if target_of(out) != Path(out).absolute():
        console.print(f"{out} links to {target_of(out)}: the export replaced that folder")
    files = [name for name in written if "/" not in name]
    console.print(f"wrote {out}/: {', '.join(files)} and {sets} golden test set(s)", soft_wrap=True)
    model = out / (INT8_NAME if INT8_NAME in files else FP32_NAME)
    # soft_wrap: a command to copy is never folded inside a path
    console.print(f"next: mnist-edge predict --model {model} digit.png   "
                  f"(without --model, predict uses the shipped model)", soft_wrap=True)
