"""`mnist-edge read`: photos of handwritten numbers -> the digit string each shows, via the API.

What it is: ReadConfig (the command's options, declared once), run_read() (expand the arguments
as predict does, read each photo with DigitReader.read_many, print as they come, optionally
write the photo annotated with its boxes and digits) and the output: an aligned table (file,
text, lowest digit probability), or JSON lines. Failures are predict's: one line each.
What it isn't: the segmentation or the choice of digits (mnist_edge.image.segment,
mnist_edge.reading).

JSON lines, one per image, in argument order:
  {"file": str, "text": "20?6", "confidence": float,
   "digits": [{"digit": int, "probability": float, "box": [x0, y0, x1, y1], "unsure": true?}, ...]}
  {"file": str, "error": str}   (also for a photo without digits: "no digits found (blank image: ...)")
Exit codes: 0 every image read; 1 some inputs could not be read or held no digits (one line
each); 2 a usage or model error, or no image at all among the arguments.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mnist_edge.cli.inputs import Problem, expand_inputs
from mnist_edge.cli.predict import Report, _unique_name, printable
from mnist_edge.errors import UserError
from mnist_edge.options import backend_option, option


@dataclass
class ReadConfig:
    images: list[str] = option(factory=list, help="Photos of one handwritten line of 1-12 digits: "
                               "files, folders (their images, not recursive) or globs such as "
                               "'forms/*.jpg'.", argument=True, required=True)
    model: str | None = option(None, "Model to run: .onnx, or .tflite with --backend litert "
                                     "(default: the backend's shipped INT8 model).", cli_type=Path)
    json_lines: bool = option(False, "One JSON object per image per line (the module's docstring "
                                     "shows them).", flags=("--json",))
    annotate: str | None = option(None, "Folder to write each photo into as STEM.png with the "
                                        "digits' boxes and digits drawn.", cli_type=Path)
    min_confidence: float | None = option(None, "Show a digit as '?' below this probability "
                                          "(default: 0.5, more likely wrong than right).", min=0.0, max=1.0)
    threads: int = option(1, "Inference threads (onnxruntime intra-op, LiteRT's); 0 = the "
                          "runtime's default.", min=0)
    backend: str = backend_option()


def run_read(cfg: ReadConfig, out: TextIO = sys.stdout, err: TextIO = sys.stderr, reader=None) -> int:
    """Read photos of handwritten numbers (one line of 1-12 digits each) and print the digits.

    Exit codes: 0 every image read ("?" marks a digit read without confidence); 1 some inputs failed: a missing, unreadable or broken file, a photo without digits, a glob matching nothing (one line each on stderr, or {file, error} with --json; the others are still read); 2 a usage or model error, or no image file among the arguments at all.
    """
    from mnist_edge.api import load

    items = expand_inputs(cfg.images)
    if not any(isinstance(i, Path) for i in items) and all(
            isinstance(i, Problem) and i.skipped for i in items):
        raise UserError(f"no image files in {' '.join(cfg.images)}")
    if reader is None:
        reader = load(cfg.model, threads=cfg.threads, min_confidence=cfg.min_confidence,
                      backend=cfg.backend)
    paths = [i for i in items if isinstance(i, Path)]
    report = ReadReport(cfg, out, err, width=max((len(printable(p)) for p in paths), default=4))
    taken: set[str] = set()
    for item in items:
        if isinstance(item, Problem):
            report.problem(item)
            continue
        (result,) = reader.read_many([item])
        if cfg.annotate is not None and hasattr(result, "text"):
            result = _annotate(result, item, Path(cfg.annotate), taken)
        report.result(result)
    return 1 if report.failed else 0


def _annotate(result, path: Path, folder: Path, taken: set[str]):
    """Write the photo with its boxes into folder/STEM.png; a Failure if it cannot be written."""
    from mnist_edge.api import Failure
    from mnist_edge.image.annotate import annotate
    from mnist_edge.image.save import save_png
    from mnist_edge.image.load import FULL_SIZE, load_image

    try:
        img = load_image(path)
        full = img.info.get(FULL_SIZE)
        if full is not None:  # a drafted JPEG: the boxes are in its full pixels
            img = img.resize(full)
        save_png(annotate(img, result.digits), folder / _unique_name(path, taken))
    except UserError as e:
        return Failure(result.source, str(e))
    return result


class ReadReport(Report):
    """predict's report (failures, problems, JSON lines) with read's rows."""

    def header(self) -> str:
        return self._row("file", "text", "lowest p")

    def row(self, result) -> None:
        self._line(self._row(printable(result.source), result.text, f"{result.confidence:.4f}"))

    def _row(self, file: str, text: str, confidence: str, _: str = "") -> str:
        return f"{file:<{self.width}}  {text:>12}  {confidence:>8}".rstrip()
