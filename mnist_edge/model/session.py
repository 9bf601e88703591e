"""The torch-free runtime: one onnxruntime session over an exported MNIST model.

What it is: OnnxModel (a CPU session with a fixed thread count and no busy-waiting, so it
behaves on a shared Raspberry Pi, over a model that passed mnist_edge.model.check first; by
default the shipped INT8 model), batched logits, softmax, and test-set accuracy. Numpy and
onnxruntime only; this is what the edge device installs.
What it isn't: image files or preprocessing of photos (the model takes MNIST-style pixels),
the checks themselves (mnist_edge.model.check), or anything of export (mnist_edge.export).
"""

from __future__ import annotations

import os

import numpy as np
import onnxruntime as ort

from mnist_edge.contract import IMAGE_SHAPE, NUM_CLASSES
from mnist_edge.errors import UserError
from mnist_edge.model.check import read_model, shipped_model

CHUNK = 256  # images per session.run: bounded memory, batch large enough to be fast


def as_model_input(images_u8: np.ndarray) -> np.ndarray:
    """(N, 28, 28) or (N, 1, 28, 28) uint8 -> (N, 1, 28, 28) float32 in [0, 1]."""
    images = np.asarray(images_u8)
    return (images.reshape(len(images), *IMAGE_SHAPE).astype(np.float32) / 255.0)


class OnnxModel:
    """A checked ONNX model on onnxruntime's CPU provider.

    path None = the shipped INT8 model. threads: intra-op threads, 1 (the default) is the
    fastest for one image at a time; 0 = onnxruntime's default (one per physical core).
    check=False skips the I/O contract check (for `info` on a model the runtime cannot feed).
    """

    def __init__(self, path: str | os.PathLike | None = None, threads: int = 1, check: bool = True):
        if threads < 0:
            raise ValueError(f"threads must be 0 (onnxruntime's default) or more, got {threads}")
        self.checked = read_model(shipped_model() if path is None else path, contract=check)
        self.path = self.checked.path
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: no stolen CPU on a small shared board,
        # and no spinning threads to wind down at the end of a one-shot CLI run.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        # The checked bytes themselves (no second read that could see another file), unless
        # the model has external data, which onnxruntime must find beside the file.
        source = str(self.path) if self.checked.proto.external_data else self.checked.data
        try:
            self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
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


def softmax(logits: np.ndarray) -> np.ndarray:
    """(N, 10) logits -> (N, 10) probabilities (rows sum to 1), computed stably in float64."""
    z = np.asarray(logits, dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def predict_labels(model: OnnxModel, images_u8: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) int64 predicted digits."""
    return model.predict_logits(as_model_input(images_u8)).argmax(axis=1)


def accuracy(model: OnnxModel, images_u8: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of (N, 28, 28) uint8 images whose predicted digit equals its (N,) label."""
    if len(labels) == 0:
        return float("nan")
    return float(np.mean(predict_labels(model, images_u8) == np.asarray(labels)))
