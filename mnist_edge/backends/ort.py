"""The onnxruntime backend: mnist_edge.model.session.OnnxModel seen through the Backend interface.

What it is: a thin wrapper; the session, its options and the checks before loading
(mnist_edge.model.check) stay where they are.
What it isn't: a second onnxruntime runtime, or any change to OnnxModel.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mnist_edge.model.session import CHUNK, OnnxModel


class OnnxRuntimeBackend:
    """A checked .onnx model on onnxruntime's CPU provider (path None = the shipped INT8)."""

    name = "onnxruntime"

    def __init__(self, path: str | os.PathLike | None = None, threads: int = 1):
        self.model = OnnxModel(path, threads=threads)
        self.path: Path = self.model.path
        self.precision: str = self.model.checked.precision
        self.sha256: str = self.model.checked.sha256
        self.card: dict | None = self.model.checked.card
        self.file_bytes = len(self.model.checked.data)

    @property
    def metadata(self) -> dict[str, str]:
        return self.model.metadata

    def predict_logits(self, pixels: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
        """(N, 1, 28, 28) float32 in [0, 1] -> (N, 10) float32 logits."""
        return self.model.predict_logits(pixels, chunk=chunk)
