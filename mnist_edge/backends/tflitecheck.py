"""Checks made on a .tflite file before LiteRT loads it, and on its I/O once loaded.

What it is: read_tflite() reads the file once and checks its size, that it is a TFLite
flatbuffer at all (the "TFL3" file identifier), and, where model_card.json beside it lists
the file, that its SHA-256 matches; contract_problems() checks the interpreter's tensor
details against the runtime's contract: one float32 input (N, 1, 28, 28) or (N, 28, 28, 1),
a float32 output (N, 10), the batch N dynamic (-1) or the same fixed number in both.
Every failure is a UserError "PATH: problem".
What it isn't: the interpreter (mnist_edge.backends.litert, the only importer of
ai_edge_litert), or a check of the graph, which the interpreter makes when it loads it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_edge.errors import UserError
from mnist_edge.model.check import card_entry

MAX_BYTES = 2**31 - 1  # a flatbuffer addresses 2 GiB; an MNIST model is ~0.8 MiB
IDENTIFIER = b"TFL3"  # bytes 4..8 of every TFLite flatbuffer
LAYOUTS = {(1, 28, 28): "nchw", (28, 28, 1): "nhwc"}  # per-image input shape -> layout
NUM_CLASSES = 10


@dataclass
class CheckedTflite:
    """A .tflite file that passed the checks before loading: its bytes, hash and card entry."""

    path: Path
    data: bytes
    sha256: str
    card: dict | None  # this file's entry in model_card.json, if listed
    card_path: Path | None


def read_tflite(path: str | os.PathLike) -> CheckedTflite:
    """Read and check a .tflite file (see the module docstring)."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 8 or data[4:8] != IDENTIFIER:
        raise UserError(f"{path}: not a TFLite model (no {IDENTIFIER.decode()} flatbuffer identifier)")
    digest = hashlib.sha256(data).hexdigest()
    card_path, card = card_entry(path)
    if card and card.get("sha256") and card["sha256"] != digest:
        raise UserError(f"{path}: SHA-256 {digest[:16]}... does not match {card_path} "
                        f"({str(card['sha256'])[:16]}...): the file was changed or replaced")
    return CheckedTflite(path, data, digest, card, card_path)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise UserError(f"{path}: is a directory, not a model file")
        size = path.stat().st_size
        if size == 0:
            raise UserError(f"{path}: empty file, not a TFLite model")
        if size > MAX_BYTES:
            raise UserError(f"{path}: {size:,} bytes, more than a TFLite flatbuffer can hold (2 GiB)")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: model file not found") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read the model ({e.strerror or e})") from None


def describe(detail: dict) -> str:
    """'name float32[N, 1, 28, 28]' of an interpreter tensor detail (-1 shown as N)."""
    dims = ", ".join("N" if d < 0 else str(d) for d in signature(detail))
    return f"{detail['name']} {np.dtype(detail['dtype']).name}[{dims}]"


def signature(detail: dict) -> list[int]:
    """The tensor's shape with -1 for dynamic dimensions."""
    shape = detail.get("shape_signature")
    return [int(d) for d in (shape if shape is not None and len(shape) else detail["shape"])]


def contract_problems(inputs: list[dict], outputs: list[dict]) -> list[str]:
    """What keeps the runtime from feeding (N, 1, 28, 28) and reading (N, 10); [] if fine."""
    if len(inputs) != 1:
        return [f"expected 1 input, found {len(inputs)}"]
    if not outputs:
        return ["the model has no output"]
    problems = []
    inp, out = inputs[0], outputs[0]
    if np.dtype(inp["dtype"]) != np.float32 or len(signature(inp)) != 4 \
            or tuple(signature(inp)[1:]) not in LAYOUTS:
        problems.append(f"input {describe(inp)}, expected float32 [N, 1, 28, 28] or [N, 28, 28, 1]")
    if np.dtype(out["dtype"]) != np.float32 or len(signature(out)) != 2 \
            or signature(out)[1] != NUM_CLASSES:
        problems.append(f"output {describe(out)}, expected float32 [N, {NUM_CLASSES}]")
    if not problems and signature(inp)[0] != signature(out)[0]:
        problems.append(f"input {describe(inp)} and output {describe(out)} disagree on the batch")
    return problems


def layout(input_detail: dict) -> str:
    """'nchw' or 'nhwc' of an input that passed contract_problems."""
    return LAYOUTS[tuple(signature(input_detail)[1:])]
