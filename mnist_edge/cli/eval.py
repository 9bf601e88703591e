"""`mnist-edge eval`: one or more models on the MNIST test set, side by side.

What it is: accuracy, per-class accuracy, the confusion matrix and inference throughput of
each model on the chosen backend (--backend: onnxruntime or litert, mnist_edge.backends; the
time of the runtime's runs alone, after one warm-up batch: no file reading or
pixel conversion), rendered as rich tables or one JSON object; the card's recorded
accuracy beside the measured one where the model card lists it.
What it isn't: the data reader (mnist_edge.data.mnist), the plot (mnist_edge.cli.plots), or a
latency benchmark of single images (`mnist-edge bench`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mnist_edge.contract import NUM_CLASSES
from mnist_edge.data import DATA_DIR_HELP
from mnist_edge.calibration import expected_calibration_error, reliability_bins
from mnist_edge.model.session import CHUNK, as_model_input, softmax
from mnist_edge.options import backend_option, option


@dataclass
class EvalConfig:
    model: list[str] = option(factory=list, help="Model to evaluate (.onnx, or .tflite with "
                              "--backend litert); repeat it to compare models side by side "
                              "(default: the backend's shipped FP32 and INT8 models).",
                              cli_type=list[Path])
    data_dir: str | None = option(None, DATA_DIR_HELP, cli_type=Path)
    limit: int = option(0, "Quick mode: only the first N test images; 0 = all 10,000.", min=0)
    threads: int = option(1, "Inference threads (onnxruntime intra-op, LiteRT's); 0 = the "
                          "runtime's default.", min=0)
    batch_size: int = option(CHUNK, "Images per run of the model (the runtime's own chunk by "
                             "default: the fastest measured, bench/INT8.md).", min=1)
    plot: str | None = option(None, "Also write the confusion matrices and reliability diagrams to this PNG file.",
                              cli_type=Path)
    json_out: bool = option(False, "Print one JSON object instead of tables.", flags=("--json",))
    backend: str = backend_option()


def run_eval(cfg: EvalConfig) -> int:
    """Accuracy, per-class accuracy, confusion matrix and throughput on the MNIST test set.

    Exit codes: 0 evaluated; 2 a usage, data or model error (one line on stderr naming the file).
    """
    import json

    from mnist_edge.data.mnist import load_split
    from mnist_edge.labels import distinct_names
    from mnist_edge.backends import open_backend, shipped_path

    paths = cfg.model or [shipped_path(cfg.backend, "fp32"), shipped_path(cfg.backend, "int8")]
    models = [open_backend(cfg.backend, p, threads=cfg.threads)  # checked before the data is read
              for p in paths]
    test = load_split("test", cfg.data_dir)
    n = cfg.limit or len(test.labels)
    results = [score_model(m, test.images[:n], test.labels[:n], threads=cfg.threads,
                           batch=cfg.batch_size) for m in models]
    for r, name in zip(results, distinct_names([m.path for m in models])):
        r.name = name  # models sharing a file name get distinct columns
    if cfg.plot is not None:
        from mnist_edge.cli.plots import plot_confusions

        plot_confusions([(f"{r.name} ({r.precision.upper()}): {100 * r.accuracy:.2f}%, "
                          f"ECE {100 * r.ece:.2f}%", r.confusion, r.reliability)
                         for r in results], cfg.plot)
    if cfg.json_out:
        print(json.dumps({"images": n, "models": [r.to_dict() for r in results]}))
        return 0
    from rich.console import Console

    render(results, Console())
    if cfg.plot is not None:
        print(f"confusion matrices written to {cfg.plot}")
    return 0


@dataclass
class EvalResult:
    name: str  # the model file's name (with parent folders when another model shares it)
    path: str
    precision: str  # 'fp32' or 'int8'
    backend: str  # 'onnxruntime' or 'litert'
    images: int
    accuracy: float
    per_class: np.ndarray  # (10,) accuracy of each true digit (nan where it has no images)
    confusion: np.ndarray  # (10, 10) int64, rows = true digit, columns = predicted
    seconds: float  # inference time of all images
    threads: int
    batch: int
    card_accuracy: float | None  # what model_card.json records, if it lists the model
    ece: float = float("nan")  # expected calibration error (15 bins) of softmax(logits)
    reliability: list = field(default_factory=list)  # calibration.reliability_bins

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict:
        return {
            "model": self.name, "path": self.path, "precision": self.precision,
            "backend": self.backend, "images": self.images,
            "accuracy": self.accuracy, "card_accuracy": self.card_accuracy,
            "per_class_accuracy": [None if np.isnan(a) else float(a) for a in self.per_class],
            "confusion": self.confusion.tolist(), "inference_s": self.seconds,
            "images_per_s": self.images_per_s, "threads": self.threads, "batch": self.batch,
            "ece": self.ece, "reliability": self.reliability,
        }


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(N,) true and (N,) predicted digits -> (10, 10) counts, rows = true, columns = predicted."""
    flat = np.asarray(labels, np.int64) * NUM_CLASSES + np.asarray(predicted, np.int64)
    return np.bincount(flat, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def score_model(model, images_u8: np.ndarray, labels: np.ndarray, threads: int,
                batch: int = CHUNK) -> EvalResult:
    """A Backend (mnist_edge.backends), (N, 28, 28) uint8 test images and (N,) labels -> its EvalResult."""
    pixels = as_model_input(images_u8)  # (N, 1, 28, 28) float32
    model.predict_logits(pixels[:batch], chunk=batch)  # warm-up: first-run allocations untimed
    start = time.perf_counter()
    logits = model.predict_logits(pixels, chunk=batch)  # (N, 10)
    seconds = time.perf_counter() - start
    probs = softmax(logits)  # (N, 10): the exported logits are already divided by T
    confusion = confusion_matrix(labels, logits.argmax(axis=1))
    per_class_total = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(confusion) / per_class_total  # (10,), nan where a digit is absent
    card = model.card or {}
    return EvalResult(
        name=model.path.name, path=str(model.path), precision=model.precision,
        backend=model.name, images=len(labels), accuracy=float(np.trace(confusion) / max(len(labels), 1)),
        per_class=per_class, confusion=confusion, seconds=seconds, threads=threads, batch=batch,
        card_accuracy=card.get("test_accuracy"), ece=expected_calibration_error(probs, labels),
        reliability=reliability_bins(probs, labels))


def render(results: list[EvalResult], console) -> None:
    """Print the summary, per-class and confusion tables on a rich Console."""
    from rich.table import Table

    summary = Table(title=f"MNIST test set, {results[0].images:,} images, on {results[0].backend}",
                    title_justify="left")
    summary.add_column("")
    for r in results:
        summary.add_column(f"{r.name} ({r.precision.upper()})", justify="right")
    rows = [
        ("accuracy", [f"{100 * r.accuracy:.2f}%" for r in results]),
        ("model card says", [_card(r) for r in results]),
        ("calibration error (ECE)", [f"{100 * r.ece:.2f}%" for r in results]),
        ("errors", [f"{r.images - int(np.trace(r.confusion)):,}" for r in results]),
        ("inference time", [f"{r.seconds:.3f} s" for r in results]),
        ("throughput", [f"{r.images_per_s:,.0f} images/s" for r in results]),
        ("threads, batch", [f"{r.threads or 'ORT default'}, {r.batch}" for r in results]),
    ]
    for digit in range(NUM_CLASSES):
        rows.append((f"digit {digit}", [_pct(r.per_class[digit]) for r in results]))
    for label, cells in rows:
        summary.add_row(label, *cells)
    console.print(summary)
    for r in results:
        console.print(_confusion_table(r))


def _card(r: EvalResult) -> str:
    if r.card_accuracy is None:
        return "-"
    return f"{100 * r.card_accuracy:.2f}%"


def _pct(value: float) -> str:
    return "-" if np.isnan(value) else f"{100 * value:.2f}%"


def _confusion_table(r: EvalResult):
    from rich.table import Table

    table = Table(title=f"confusion matrix, {r.name}", title_justify="left")
    table.add_column("true\\pred")
    for digit in range(NUM_CLASSES):
        table.add_column(str(digit), justify="right")
    for digit, row in enumerate(r.confusion):
        cells = [f"[bold]{n}[/bold]" if j == digit else (str(n) if n else "[dim].[/dim]")
                 for j, n in enumerate(row)]
        table.add_row(str(digit), *cells)
    return table
