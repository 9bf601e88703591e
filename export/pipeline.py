"""`mnist-edge export` end to end: checkpoint -> FP32 (+ INT8) ONNX, golden vectors, model card.

What it is: the order of the steps. Everything is built and evaluated in a private work
folder first; only when all of it succeeded (INT8 within its accuracy bound included) are
the files published into --out, each atomically. A failure leaves --out as it was.
What it isn't: any step itself; each lives in its own module of this package.
"""

from __future__ import annotations

import json
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
from rich.console import Console

from mnist_edge.contract import MODEL_FILES, command_line
from mnist_edge.data.mnist import Split, data_checksums, load_split
from mnist_edge.export.card import build_card, file_entries, write_card
from mnist_edge.export.config import ExportConfig
from mnist_edge.export.accuracy import check_int8_drop, compare_int8, predictions, score
from mnist_edge.export.files import prepare_out, publish, remove_stale, save_self_contained, sha256_of
from mnist_edge.export.golden import golden_names, write_golden
from mnist_edge.export.load import load_model, training_summary
from mnist_edge.export.metadata import annotate, export_versions, model_metadata
from mnist_edge.export.qdq_report import print_report, qdq_report
from mnist_edge.export.quantize import quantize_int8
from mnist_edge.export.to_onnx import export_fp32

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
    console.print(f"FP32: test accuracy {evaluation['fp32_accuracy']:.2%}")
    models = {FP32_NAME: "fp32"}
    if cfg.quantize:
        int8 = _export_int8(fp32, cfg, meta, work)
        result = compare_int8(fp32_pred, predictions(int8, test.images, cfg.threads), test.labels)
        evaluation.update(result, max_int8_drop_points=cfg.max_int8_drop)
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
    (work / QDQ_REPORT_NAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return [QDQ_REPORT_NAME]


def _owned_names(out: Path) -> list[str]:
    """The names an export writes only sometimes (INT8, QDQ report, golden sets) found in --out."""
    sets = sorted(p.name for p in out.glob("test_data_set_*") if p.is_dir())
    golden = [f"{s}/{name}" for s in sets for name in ("input_0.pb", "output_0.pb")]
    return [INT8_NAME, QDQ_REPORT_NAME, *golden]


def run_export(cfg: ExportConfig, console: Console | None = None) -> dict:
    """Run the whole export into cfg.out; returns the model card."""
    console = console or Console()
    cfg = cfg.checked()
    model, state = load_model(cfg.checkpoint)
    out = prepare_out(cfg.out)
    summary = training_summary(state)
    data_md5 = data_checksums(cfg.data_dir)
    checkpoint = {"path": str(cfg.checkpoint), "sha256": sha256_of(cfg.checkpoint)}
    meta = partial(model_metadata, summary, checkpoint["sha256"], data_md5)  # (precision, quant)
    test = load_split("test", cfg.data_dir)
    with tempfile.TemporaryDirectory(prefix="mnist-edge-export-") as tmp:
        work = Path(tmp)
        models, evaluation = build_models(model, cfg, meta, test, work, out, console)
        written = [*models, *write_golden(model, test.images, work, cfg.golden_sets)]
        if cfg.qdq_report:
            written += write_qdq_report(work, test.images, cfg, console)
        files = file_entries(work, written)
        card = build_card(
            command=cfg.command or command_line(), summary=summary, checkpoint=checkpoint,
            data_md5=data_md5, versions=export_versions(), models=models, evaluation=evaluation,
            files=files, quantization=cfg.quantization() if cfg.quantize else None,
            golden=golden_names(cfg.golden_sets),
            qdq_report=QDQ_REPORT_NAME if cfg.qdq_report else None)
        written += write_card(card, work)
        publish(work, out, written)
    removed = remove_stale(out, _owned_names(out), written)
    if removed:
        console.print(f"removed stale files of an earlier export: {', '.join(removed)}")
    console.print(f"wrote {', '.join(str(out / name) for name in written if '/' not in name)} "
                  f"and {cfg.golden_sets} golden test set(s)")
    return card
