"""`mnist-edge predict`: image files -> the digit each shows, batched through one session.

What it is: expand the arguments (files, folders, globs), preprocess each image (a failure
is one line naming the file, and the others go on), run the images through the model CHUNK
at a time, and print an aligned plain-text table or JSON lines. Returns the exit code:
0 all predicted, 1 some failed. Plain text on purpose: no rich on this start-up path.
What it isn't: the preprocessing (mnist_edge.preprocess) or the session (mnist_edge.runtime).

JSON lines, one per image, in argument order:
  {"file": str, "digit": int, "probability": float, "top": [{"digit": int, "probability": float}, ...]}
  {"file": str, "error": str}
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from mnist_edge.errors import UserError
from mnist_edge.preprocess import expand_inputs, preprocess_file, save_preprocessed
from mnist_edge.runtime import CHUNK, OnnxModel, softmax

SKIPPED = "(skipped)"  # expand_inputs' mark on non-image files met in folders and globs


@dataclass
class Options:
    top_k: int = 1
    as_json: bool = False
    save_dir: Path | None = None


def predict_command(images: list[str], model: str | Path | None = None, top_k: int = 1,
                    json_lines: bool = False, save_preprocessed: Path | None = None,
                    threads: int = 1) -> int:
    """`mnist-edge predict` with its options (cli.predict, fastcli) -> the exit code."""
    options = Options(top_k=top_k, as_json=json_lines, save_dir=save_preprocessed)
    return run_predict(images, OnnxModel(model, threads=threads), options)


def run_predict(args: list[str], model: OnnxModel, options: Options,
                out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Predict every image named by `args`; returns 0 if all succeeded, 1 if any failed."""
    items = _expand(args)  # image paths, and problems (str) where an argument gave none
    paths = [item for item in items if isinstance(item, Path)]
    report = _Report(options, out, err, width=max((len(str(p)) for p in paths), default=4))
    if not paths and all(str(item).endswith(SKIPPED) for item in items):
        raise UserError(f"no image files in {' '.join(args)}")
    saved_names: set[str] = set()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        pixels, done = _preprocess(chunk, report, options.save_dir, saved_names)  # (n, 28, 28)
        if done:
            probs = softmax(model.predict_logits(pixels[:, None]))  # (n, 1, 28, 28) -> (n, 10)
            for path, row in zip(done, probs):
                report.result(path, row)
    return 1 if report.failed else 0


def _expand(args: list[str]) -> list[Path | str]:
    """Arguments -> image paths (without repeats) and problem lines, in argument order."""
    items: list[Path | str] = []
    seen: set[Path] = set()
    for arg in args:
        paths, problems = expand_inputs([arg])
        items += problems + [p for p in paths if p not in seen]
        seen.update(paths)
    return items


def _preprocess(items: list[Path | str], report: _Report, save_dir: Path | None,
                saved_names: set[str]) -> tuple[np.ndarray, list[Path]]:
    """-> ((n, 28, 28) float32 of the images that worked, their paths); problems reported."""
    arrays, done = [], []
    for item in items:
        if isinstance(item, str):
            report.problem(item)
            continue
        try:
            array = preprocess_file(item)  # (28, 28)
            if save_dir is not None:
                save_preprocessed(array, save_dir / _unique_name(item, saved_names))
        except UserError as e:
            report.failure(item, str(e))
            continue
        arrays.append(array)
        done.append(item)
    return (np.stack(arrays) if arrays else np.empty((0, 28, 28), np.float32)), done


def _unique_name(path: Path, taken: set[str]) -> str:
    """STEM.png, or STEM_2.png, ... when another input had the same stem."""
    name, n = f"{path.stem}.png", 1
    while name in taken:
        n += 1
        name = f"{path.stem}_{n}.png"
    taken.add(name)
    return name


class _Report:
    """Prints results and failures as they come: a table (stdout, failures on stderr) or JSON lines."""

    def __init__(self, options: Options, out: TextIO, err: TextIO, width: int):
        self.options, self.out, self.err, self.width = options, out, err, width
        self.failed = 0
        self.header_done = False

    def problem(self, message: str) -> None:
        """A line from expanding the arguments: a skipped non-image, or a missing file."""
        if message.endswith(SKIPPED):
            print(f"skipped: {message[: -len(SKIPPED)].rstrip()}", file=self.err)
        else:
            self.failure(Path(message.split(": ", 1)[0]), message)

    def failure(self, path: Path, message: str) -> None:
        self.failed += 1
        if self.options.as_json:
            reason = message.removeprefix(f"{path}: ")
            self._line(json.dumps({"file": str(path), "error": reason}))
        else:
            print(f"error: {message}", file=self.err)

    def result(self, path: Path, probs: np.ndarray) -> None:
        """probs: (10,) probabilities of one image."""
        top = np.argsort(-probs, kind="stable")[: self.options.top_k]  # (k,) digits, most likely first
        if self.options.as_json:
            self._line(json.dumps({
                "file": str(path), "digit": int(top[0]), "probability": round(float(probs[top[0]]), 6),
                "top": [{"digit": int(d), "probability": round(float(probs[d]), 6)} for d in top]}))
            return
        if not self.header_done:
            self._line(self._row("file", "digit", "probability", "top" if len(top) > 1 else ""))
            self.header_done = True
        others = "  ".join(f"{d}:{probs[d]:.4f}" for d in top) if len(top) > 1 else ""
        self._line(self._row(str(path), str(top[0]), f"{probs[top[0]]:.4f}", others))

    def _row(self, file: str, digit: str, probability: str, top: str) -> str:
        return f"{file:<{self.width}}  {digit:>5}  {probability:>11}  {top}".rstrip()

    def _line(self, text: str) -> None:
        print(text, file=self.out, flush=True)
