"""Backends: the runtimes an exported MNIST model can run on, behind one small interface.

What it is: the Backend protocol (name, path, precision, sha256, card, metadata,
predict_logits) and open_backend(), which imports the chosen runtime only when it is asked
for: "onnxruntime" (the design's runtime, mnist_edge.model.session.OnnxModel; .onnx files)
and "litert" (LiteRT's interpreter with XNNPACK, the [litert] extra; .tflite files). Every
backend checks the file before its runtime loads it: size, SHA-256 against model_card.json
beside it, I/O contract. Without a path, a backend runs its own shipped model of the asked
precision (contract.BACKEND_FILES). predict, eval, bench, serve and mnist_edge.load() all
open their models here (--backend, declared once in mnist_edge.options.backend_option).
What it isn't: any runtime's own code: ai_edge_litert is imported by mnist_edge.backends.litert
alone (never on a plain onnxruntime run), torch and onnx never.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mnist_edge.contract import BACKEND_FILES, BACKENDS, DEFAULT_BACKEND
from mnist_edge.errors import UserError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "Backend", "open_backend", "shipped_path",
           "require_litert"]
LITERT_MODULE = "ai_edge_litert"  # what the [litert] extra installs (package ai-edge-litert)
LITERT_EXTRA_HINT = "pip install 'mnist-edge[litert]'"
SUFFIXES = {"onnxruntime": ".onnx", "litert": ".tflite"}  # the file kind each backend reads


class Backend(Protocol):
    """A checked model on one runtime; predict_logits is all a caller needs to run it."""

    name: str  # "onnxruntime" or "litert"
    path: Path
    precision: str  # "fp32" or "int8"
    sha256: str  # of the bytes that were checked and loaded
    card: dict | None  # this file's entry in model_card.json beside it, if listed

    @property
    def metadata(self) -> dict[str, str]:
        """The model's own description: class labels, preprocessing, provenance."""
        ...

    def predict_logits(self, pixels: np.ndarray, chunk: int = 32) -> np.ndarray:
        """(N, 1, 28, 28) float32 in [0, 1] -> (N, 10) float32 logits, `chunk` images per run
        (each backend's own CHUNK by default: 32, the fastest measured, bench/INT8.md)."""
        ...


def litert_installed() -> bool:
    """Whether ai-edge-litert is importable (looked up, not imported; tests monkeypatch this)."""
    return find_spec(LITERT_MODULE) is not None


def require_litert() -> None:
    """One line naming the extra to install, instead of an ImportError traceback."""
    if not litert_installed():
        raise UserError(f"--backend litert needs ai-edge-litert, which is not installed: "
                        f"{LITERT_EXTRA_HINT}")


def shipped_path(name: str = DEFAULT_BACKEND, precision: str = "int8") -> Path:
    """The shipped model file of `precision` ('fp32' or 'int8') that backend `name` runs."""
    from mnist_edge.model.check import artifacts_dir

    return artifacts_dir() / BACKEND_FILES[check_name(name)][precision]


def check_name(name: str) -> str:
    if name not in BACKENDS:
        raise UserError(f"backend {name!r}: expected one of {', '.join(BACKENDS)}")
    return name


def open_backend(name: str = DEFAULT_BACKEND, path: str | os.PathLike | None = None,
                 threads: int = 1, precision: str = "int8") -> Backend:
    """The model at `path` (None: that backend's shipped model of `precision`) on the named runtime."""
    check_name(name)
    if path is not None:
        _check_suffix(name, Path(path))
    if name == "litert":
        require_litert()
        from mnist_edge.backends.litert import LiteRTBackend

        return LiteRTBackend(shipped_path(name, precision) if path is None else path, threads=threads)
    from mnist_edge.backends.ort import OnnxRuntimeBackend

    return OnnxRuntimeBackend(shipped_path(name, precision) if path is None else path, threads=threads)


def _check_suffix(name: str, path: Path) -> None:
    """A .tflite handed to onnxruntime (or an .onnx to LiteRT): say which backend reads it."""
    for other, suffix in SUFFIXES.items():
        if other != name and path.suffix.lower() == suffix:
            raise UserError(f"{path}: a {suffix} model runs on the {other} backend, not on {name} "
                            f"(--backend {other})")
