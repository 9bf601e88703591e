"""`mnist-edge predict`: image files -> the digit each shows, through the public API.

What it is: PredictConfig (the command's options, declared once), run_predict() (expand the
arguments, predict CHUNK images at a time with mnist_edge.api, print as they come) and the
output: an aligned plain-text table, or JSON lines. Plain text on purpose: no rich on this
start-up path.
What it isn't: the preprocessing or the model (mnist_edge.api and below).

JSON lines, one per image, in argument order:
  {"file": str, "digit": int, "probability": float, "top": [{"digit": int, "probability": float}, ...]}
  {"file": str, "digit": null, "probability": float, "top": [...], "reason": "blank"|"not_a_digit"|"unsure"}
  {"file": str, "error": str}
Exit codes: 0 every image read (a digit, or "not a digit" with its reason); 1 some inputs could
not be read (one line each); 2 a usage or model error, or no image at all among the arguments.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mnist_edge.cli.inputs import Problem, expand_inputs
from mnist_edge.errors import UserError
from mnist_edge.options import backend_option, option

CHUNK = 256  # images preprocessed and run per batch: bounded memory


@dataclass
class PredictConfig:
    images: list[str] = option(factory=list, help="Image files, folders (their images, not "
                               "recursive) or globs such as 'scans/*.jpg'.", argument=True,
                               required=True)
    model: str | None = option(None, "Model to run: .onnx, or .tflite with --backend litert "
                               "(default: the shipped INT8 model).", cli_type=Path)
    top_k: int = option(1, "Show the K most likely digits with their probabilities.", min=1, max=10)
    json_lines: bool = option(False, "One JSON object per image per line (the module's docstring "
                                     "shows them).", flags=("--json",))
    save_preprocessed: str | None = option(None, "Folder to save what the network saw: each image "
                                                 "as a 28x28 PNG.", cli_type=Path)
    min_confidence: float | None = option(None, "Report 'not a digit (unsure)' below this "
                                          "probability (default: the model's own threshold).",
                                          min=0.0, max=1.0)
    min_logsumexp: float | None = option(None, "Report 'not a digit' when the logsumexp of the "
                                         "network's logits (how much the image looks like any "
                                         "digit at all) is below this (default: the model's own).")
    threads: int = option(1, "Inference threads (onnxruntime intra-op, LiteRT's); 0 = the "
                          "runtime's default.", min=0)
    backend: str = backend_option()


def run_predict(cfg: PredictConfig, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
                reader=None) -> int:
    """Read photos or scans of single handwritten digits and print the digit each shows.

    Exit codes: 0 every image read (a digit, or "-" with the reason when an image holds no readable digit); 1 some inputs failed: a missing, unreadable or broken file, a glob matching nothing (one line each on stderr, or {file, error} with --json; the others are still read); 2 a usage or model error, or no image file among the arguments at all (an empty folder).
    """
    from mnist_edge.api import load

    items = expand_inputs(cfg.images)
    if not any(isinstance(i, Path) for i in items) and all(
            isinstance(i, Problem) and i.skipped for i in items):
        raise UserError(f"no image files in {' '.join(cfg.images)}")
    if reader is None:  # a DigitReader may be handed in (tests, embedding programs)
        reader = load(cfg.model, threads=cfg.threads, min_confidence=cfg.min_confidence,
                      backend=cfg.backend, min_logsumexp=cfg.min_logsumexp)
    paths = [i for i in items if isinstance(i, Path)]
    report = Report(cfg, out, err, width=max((len(printable(p)) for p in paths), default=4))
    saved: set[str] = set()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        for item in [i for i in chunk if isinstance(i, Problem)]:
            report.problem(item)
        chunk_paths = [i for i in chunk if isinstance(i, Path)]
        results = reader.predict_many(chunk_paths, top_k=cfg.top_k,
                                      see=cfg.save_preprocessed is not None)
        for result in results:
            if cfg.save_preprocessed is not None and getattr(result, "pixels", None) is not None:
                result = _save(result, Path(cfg.save_preprocessed), saved)
            report.result(result)
    return 1 if report.failed else 0


def _save(result, folder: Path, taken: set[str]):
    from mnist_edge.api import Failure
    from mnist_edge.image.save import save_preprocessed

    try:
        save_preprocessed(result.pixels, folder / _unique_name(Path(result.source), taken))
    except UserError as e:
        return Failure(result.source, str(e))
    return result


def _unique_name(path: Path, taken: set[str]) -> str:
    """STEM.png, or STEM_2.png, ... when another input had the same stem."""
    name, n = f"{path.stem}.png", 1
    while name in taken:
        n += 1
        name = f"{path.stem}_{n}.png"
    taken.add(name)
    return name


def printable(path: Path | str) -> str:
    """A file name safe for one line of a terminal: undecodable bytes and control characters escaped."""
    text = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Report:
    """Prints results and failures as they come: a table (stdout, failures on stderr) or JSON lines."""

    def __init__(self, cfg: PredictConfig, out: TextIO, err: TextIO, width: int):
        self.cfg, self.out, self.err, self.width = cfg, out, err, width
        self.failed = 0
        self.header_done = False

    def problem(self, problem: Problem) -> None:
        """A line from expanding the arguments: a skipped non-image, or a missing file."""
        if problem.skipped:
            print(f"skipped: {printable(problem.source)}: {problem.message}", file=self.err)
        else:
            self.failure(problem.source, problem.message)

    def failure(self, source: str, message: str) -> None:
        self.failed += 1
        if self.cfg.json_lines:
            self._line(json.dumps({"file": printable(source), "error": message}))
        else:
            print(f"error: {printable(source)}: {message}", file=self.err)

    def result(self, result) -> None:
        """One result: a Failure's line, its JSON line, or a table row (the header first)."""
        if hasattr(result, "error"):  # a Failure
            self.failure(result.source, result.error)
            return
        if self.cfg.json_lines:
            self._line(json.dumps({**result.to_dict(), "file": printable(result.source)}))
            return
        if not self.header_done:
            self._line(self.header())
            self.header_done = True
        self.row(result)

    def header(self) -> str:
        return self._row("file", "digit", "probability", "top" if self.cfg.top_k > 1 else "")

    def row(self, result) -> None:
        digit = str(result.digit) if result.digit is not None else "-"
        others = "  ".join(f"{g.digit}:{g.probability:.4f}" for g in result.top) if self.cfg.top_k > 1 else ""
        if result.reason:
            others = f"not a digit ({result.reason})" + (f"  {others}" if others else "")
        probability = f"{result.probability:.4f}" if result.top else "-"
        self._line(self._row(printable(result.source), digit, probability, others))

    def _row(self, file: str, digit: str, probability: str, top: str) -> str:
        return f"{file:<{self.width}}  {digit:>5}  {probability:>11}  {top}".rstrip()

    def _line(self, text: str) -> None:
        print(text, file=self.out, flush=True)
