"""The torch-free runtime: one onnxruntime session over an exported MNIST model.

What it is: OnnxModel (a CPU session with a fixed thread count and no busy-waiting, so it
behaves on a shared Raspberry Pi, over a model that passed mnist_edge.model.check first; by
default the shipped INT8 model), batched logits, softmax (mnist_edge.calibration's,
re-exported), and test-set accuracy. Numpy and onnxruntime only; this is what the edge
device installs.
What it isn't: image files or preprocessing of photos (the model takes MNIST-style pixels),
the checks themselves (mnist_edge.model.check), or anything of export (mnist_edge.export).
"""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np
import onnxruntime as ort

from mnist_edge.calibration import softmax  # noqa: F401  (one definition; importers of session keep it)
from mnist_edge.contract import IMAGE_SHAPE, NUM_CLASSES
from mnist_edge.errors import UserError
from mnist_edge.model.check import read_model, shipped_model

CHUNK = 32  # images per session.run: at 256 the FP32 head's maps leave the cache; 32 is 1.1-1.4x
# faster over many images, same logits (bench/INT8.md, bench/results/int8_floor.json)


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
        # onnxruntime's own log lines (coloured, timestamped, C++ file names) would come before
        # our one-line error about the same problem: only fatal ones are let through.
        options.log_severity_level = 4
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: no stolen CPU on a small shared board,
        # and no spinning threads to wind down at the end of a one-shot CLI run.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        # The checked bytes themselves (no second read that could see another file), unless
        # the model has external data, which onnxruntime must find beside the file.
        source = str(self.path) if self.checked.proto.external_data else self.checked.data
        try:
            # On some load errors onnxruntime's Python wrapper print()s an "EP Error" banner to
            # stdout and retries: that would corrupt `predict --json`; the error itself is ours.
            with contextlib.redirect_stdout(io.StringIO()):
                self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own pybind exception types
            raise UserError(f"{self.path}: onnxruntime cannot load the model ({ort_message(e)})") from None
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
            out[start : start + len(batch)] = self.run(batch)
        return out

    def run(self, batch: np.ndarray) -> np.ndarray:
        """One session.run: (n, 1, 28, 28) float32 -> (n, 10) logits; UserError naming the model.

        A model can pass every check and still fail here (a Reshape needing 784 values, a 40 TB
        allocation, an output of another shape than it declares): that is the model's fault,
        said in one line, and its output is checked before anyone indexes it.
        """
        try:
            logits = self.session.run([self.output_name], {self.input_name: batch})[0]
        except Exception as e:  # onnxruntime raises its own pybind exception types
            raise UserError(f"{self.path}: onnxruntime failed running the model "
                            f"({ort_message(e)})") from None
        shape = getattr(logits, "shape", None)
        if shape != (len(batch), NUM_CLASSES) or getattr(logits, "dtype", None) != np.float32:
            got = f"{getattr(logits, 'dtype', type(logits).__name__)} {shape}"
            raise UserError(f"{self.path}: the model's output is {got} for {len(batch)} image(s), "
                            f"expected float32 ({len(batch)}, {NUM_CLASSES})")
        return logits


def ort_message(error: Exception) -> str:
    """onnxruntime's exception text, short: first line, no status code, no C++ source location."""
    import re

    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    text = re.sub(r"\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text)
    text = re.sub(r"/onnxruntime_src/\S+:\d+ [^(]*\([^)]*\) ", "", text)
    return text[:300]




def predict_labels(model: OnnxModel, images_u8: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N,) int64 predicted digits."""
    return model.predict_logits(as_model_input(images_u8)).argmax(axis=1)


def accuracy(model: OnnxModel, images_u8: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of (N, 28, 28) uint8 images whose predicted digit equals its (N,) label."""
    if len(labels) == 0:
        return float("nan")
    return float(np.mean(predict_labels(model, images_u8) == np.asarray(labels)))
