"""Backends: the runtimes an exported MNIST model can run on, behind one small interface.

What it is: the Backend protocol (name, path, precision, metadata, predict_logits) and
open_backend(), which imports the chosen runtime only when it is asked for: "onnxruntime"
(the design's runtime, mnist_edge.runtime.OnnxModel; .onnx files) and "litert" (LiteRT's
interpreter with XNNPACK, the [litert] extra; .tflite files). Every backend checks the file
before its runtime loads it: size, SHA-256 against model_card.json beside it, I/O contract.
What it isn't: the CLI's --backend option (not wired yet), or any runtime's own code:
ai_edge_litert is imported by mnist_edge.backends.litert alone, torch and onnx never.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from mnist_edge.errors import UserError

BACKENDS = ("onnxruntime", "litert")
DEFAULT_BACKEND = "onnxruntime"


class Backend(Protocol):
    """A checked model on one runtime; predict_logits is all a caller needs to run it."""

    name: str  # "onnxruntime" or "litert"
    path: Path
    precision: str  # "fp32" or "int8"

    @property
    def metadata(self) -> dict[str, str]:
        """The model's own description: class labels, preprocessing, provenance."""
        ...

    def predict_logits(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 1, 28, 28) float32 in [0, 1] -> (N, 10) float32 logits."""
        ...


def open_backend(name: str = DEFAULT_BACKEND, path: str | os.PathLike | None = None,
                 threads: int = 1) -> Backend:
    """The model at `path` (None: that backend's shipped INT8 model) on the named runtime."""
    if name == "onnxruntime":
        from mnist_edge.backends.ort import OnnxRuntimeBackend

        return OnnxRuntimeBackend(path, threads=threads)
    if name == "litert":
        try:
            from mnist_edge.backends.litert import LiteRTBackend
        except ImportError as e:
            raise UserError(f"the litert backend needs ai-edge-litert, which is not installed "
                            f"({e.name}): pip install 'mnist-edge[litert]'") from None
        return LiteRTBackend(path, threads=threads)
    raise UserError(f"backend {name!r}: expected one of {', '.join(BACKENDS)}")
