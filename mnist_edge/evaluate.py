"""`mnist-edge eval`: one or more models on the MNIST test set, side by side.

What it is: accuracy, per-class accuracy, the confusion matrix and inference throughput of
each model (the time of session.run alone, after one warm-up batch: no file reading or
pixel conversion), rendered as rich tables or one JSON object; the card's recorded
accuracy beside the measured one where the model card lists it.
What it isn't: the data reader (mnist_edge.data), the plot (mnist_edge.confplot), or a
latency benchmark of single images (`mnist-edge bench`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mnist_edge.runtime import CHUNK, NUM_CLASSES, OnnxModel, to_pixels


@dataclass
class EvalResult:
    name: str  # the model file's name
    path: str
    precision: str  # 'fp32' or 'int8'
    images: int
    accuracy: float
    per_class: np.ndarray  # (10,) accuracy of each true digit (nan where it has no images)
    confusion: np.ndarray  # (10, 10) int64, rows = true digit, columns = predicted
    seconds: float  # inference time of all images
    threads: int
    batch: int
    card_accuracy: float | None  # what model_card.json records, if it lists the model

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict:
        return {
            "model": self.name, "path": self.path, "precision": self.precision, "images": self.images,
            "accuracy": self.accuracy, "card_accuracy": self.card_accuracy,
            "per_class_accuracy": [None if np.isnan(a) else float(a) for a in self.per_class],
            "confusion": self.confusion.tolist(), "inference_s": self.seconds,
            "images_per_s": self.images_per_s, "threads": self.threads, "batch": self.batch,
        }


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(N,) true and (N,) predicted digits -> (10, 10) counts, rows = true, columns = predicted."""
    flat = np.asarray(labels, np.int64) * NUM_CLASSES + np.asarray(predicted, np.int64)
    return np.bincount(flat, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def evaluate(model: OnnxModel, images_u8: np.ndarray, labels: np.ndarray, threads: int,
             batch: int = CHUNK) -> EvalResult:
    """(N, 28, 28) uint8 test images and (N,) labels -> the model's EvalResult."""
    pixels = to_pixels(images_u8)  # (N, 1, 28, 28) float32
    model.predict_logits(pixels[:batch], chunk=batch)  # warm-up: first-run allocations untimed
    start = time.perf_counter()
    logits = model.predict_logits(pixels, chunk=batch)  # (N, 10)
    seconds = time.perf_counter() - start
    confusion = confusion_matrix(labels, logits.argmax(axis=1))
    per_class_total = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(confusion) / per_class_total  # (10,), nan where a digit is absent
    card = model.checked.card or {}
    return EvalResult(
        name=model.path.name, path=str(model.path), precision=model.checked.precision,
        images=len(labels), accuracy=float(np.trace(confusion) / max(len(labels), 1)),
        per_class=per_class, confusion=confusion, seconds=seconds, threads=threads, batch=batch,
        card_accuracy=card.get("test_accuracy"))


def render(results: list[EvalResult], console) -> None:
    """Print the summary, per-class and confusion tables on a rich Console."""
    from rich.table import Table

    summary = Table(title=f"MNIST test set, {results[0].images:,} images", title_justify="left")
    summary.add_column("")
    for r in results:
        summary.add_column(f"{r.name} ({r.precision.upper()})", justify="right")
    rows = [
        ("accuracy", [f"{100 * r.accuracy:.2f}%" for r in results]),
        ("model card says", [_card(r) for r in results]),
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
