"""The files of an export: the --out folder, self-contained ONNX files, hashes, publishing.

What it is: checking --out is a writable folder before any work; saving a ModelProto as
ONE file (weights inline, never an external .data file) and checking it; SHA-256; and
publishing the finished files from the private work folder into --out, each with
atomic_path (temp file beside the target, then rename), so --out never holds half a file.
What it isn't: what goes into the files (to_onnx.py, quantize.py, golden.py, card.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import onnx

from mnist_edge.atomic import atomic_path
from mnist_edge.errors import UserError


def sha256_of(path: str | os.PathLike) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def prepare_out(out: str | os.PathLike) -> Path:
    """--out as an existing, writable folder (created if missing); UserError otherwise."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: --out is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"{out}: output folder is not writable ({e.strerror or e})") from None
    return out


def save_self_contained(proto: onnx.ModelProto, path: Path) -> None:
    """Write `proto` with every weight inside the one file, then check it."""
    onnx.save_model(proto, path, save_as_external_data=False)
    check_onnx(path)


def check_onnx(path: Path) -> None:
    """The ONNX checker with full shape inference, and no tensor stored outside the file."""
    onnx.checker.check_model(str(path), full_check=True)
    proto = onnx.load(path, load_external_data=False)
    external = [t.name for t in proto.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise AssertionError(f"{path}: tensors stored as external data: {external}")


def publish(work: Path, out: Path, names: list[str]) -> None:
    """Copy work/name to out/name for each (relative) name, atomically per file."""
    for name in names:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            shutil.copyfile(work / name, tmp)


def remove_stale(out: Path, owned: list[str], written: list[str]) -> list[str]:
    """Delete the export's own file names in --out that this run did not write (a previous
    run's INT8 model would not match the new FP32 one); returns what was removed."""
    removed = []
    for name in owned:
        path = out / name
        if name not in written and path.is_file():
            path.unlink()
            removed.append(name)
            if path.parent != out and not any(path.parent.iterdir()):
                path.parent.rmdir()
    return removed
