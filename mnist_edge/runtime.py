"""The torch-free runtime: one onnxruntime session over an exported MNIST model.

What it is: OnnxModel (a CPU session with a fixed thread count and no busy-waiting, so it
behaves on a shared Raspberry Pi), batched logits, and test-set accuracy. Numpy and
onnxruntime only; this is what the edge device installs.
What it isn't: image files or preprocessing of photos (the model takes MNIST-style pixels),
checks of a model's metadata or golden vectors, or anything of export (mnist_edge.export).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from mnist_edge.errors import UserError

IMAGE_SHAPE = (1, 28, 28)  # per image: one channel, 28 x 28
NUM_CLASSES = 10
CHUNK = 256  # images per session.run: bounded memory, batch large enough to be fast


def to_pixels(images_u8: np.ndarray) -> np.ndarray:
    """(N, 28, 28) or (N, 1, 28, 28) uint8 -> (N, 1, 28, 28) float32 in [0, 1]."""
    images = np.asarray(images_u8)
    return (images.reshape(len(images), *IMAGE_SHAPE).astype(np.float32) / 255.0)


class OnnxModel:
    """An ONNX model file on onnxruntime's CPU provider, `threads` intra-op threads (0 = ORT's default)."""

    def __init__(self, path: str | os.PathLike, threads: int = 1):
        self.path = Path(path)
        if not self.path.is_file():
            raise UserError(f"{self.path}: model file not found")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: no stolen CPU on a small shared board.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own pybind exception types
            first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise UserError(f"{self.path}: onnxruntime cannot load the model ({first_line})") from None
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name

    @property
    def metadata(self) -> dict[str, str]:
        """The model's metadata_props (class labels, preprocessing, provenance)."""
        return dict(self.session.get_modelmeta().custom_metadata_map)

    def predict_logits(self, pixels: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
        """(N, 1, 28, 28) float32 in [0, 1] -> (N, 10) float32 logits, run `chunk` images at a time."""
        pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        if pixels.ndim != 4 or pixels.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"expected images of shape (N, 1, 28, 28), got {pixels.shape}")
        out = np.empty((len(pixels), NUM_CLASSES), dtype=np.float32)
        for start in range(0, len(pixels), chunk):
            batch = pixels[start : start + chunk]  # (n <= chunk, 1, 28, 28)
            out[start : start + len(batch)] = self.session.run(
                [self.output_name], {self.input_name: batch})[0]
        return out


def predict_labels(model: OnnxModel, images_u8: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) int64 predicted digits."""
    return model.predict_logits(to_pixels(images_u8)).argmax(axis=1)


def accuracy(model: OnnxModel, images_u8: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of (N, 28, 28) uint8 images whose predicted digit equals its (N,) label."""
    if len(labels) == 0:
        return float("nan")
    return float(np.mean(predict_labels(model, images_u8) == np.asarray(labels)))
