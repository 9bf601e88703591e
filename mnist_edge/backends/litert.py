"""The LiteRT backend: a checked .tflite model on LiteRT's interpreter (ai-edge-litert, XNNPACK).

What it is: LiteRTBackend, one interpreter over a file that passed mnist_edge.backends.tflitecheck
(size, TFLite identifier, SHA-256 against the card; after loading, the I/O contract read from
the interpreter's tensor details). One thread by default, XNNPACK (the interpreter's default
delegate on CPU). A model with a dynamic batch (-1, as `mnist-edge export --tflite` writes
it) gets its input resized to the images of each invoke, up to CHUNK (32); a model with a fixed
batch B runs B images per invoke, the last chunk padded with blank images. (N, 28, 28, 1)
inputs are fed by a reshape: with one channel, NHWC and NCHW hold the same bytes. An
interpreter is not thread-safe: predict_logits takes a lock, so one backend can serve several
threads (serve's workers) one call at a time. XNNPACK's one-time "INFO: Created TensorFlow
Lite XNNPACK delegate for CPU." line, which LiteRT writes straight to file descriptor 2 at the
first allocation in a process, is kept off stderr (quiet_native_stderr).
This module alone imports ai_edge_litert (the [litert] extra; no torch, no TensorFlow).
What it isn't: the checks (tflitecheck) or making .tflite files (mnist_edge.export.tflite).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from pathlib import Path

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from mnist_edge.backends.tflitecheck import (
    contract_problems,
    layout,
    read_tflite,
    signature,
)
from mnist_edge.contract import TFLITE_FILES
from mnist_edge.errors import UserError
from mnist_edge.model.check import artifacts_dir

SHIPPED = TFLITE_FILES
METADATA_NAME = "mnist_edge"  # the model metadata entry export writes: JSON {key: string}
IMAGE_SHAPE = (1, 28, 28)
NUM_CLASSES = 10
CHUNK = 32  # images per invoke for a dynamic batch: FP32 1.18x faster than 256 over the 10,000
# test images (cache, as onnxruntime's: bench/INT8.md), INT8 the same


class LiteRTBackend:
    """A checked .tflite model on LiteRT (path None = the shipped INT8 .tflite).

    threads: the interpreter's (and XNNPACK's) threads; 1 by default, 0 = LiteRT's default.
    """

    name = "litert"

    def __init__(self, path: str | os.PathLike | None = None, threads: int = 1):
        if threads < 0:
            raise ValueError(f"threads must be 0 (LiteRT's default) or more, got {threads}")
        self.checked = read_tflite(artifacts_dir() / SHIPPED["int8"] if path is None else path)
        self.path: Path = self.checked.path
        self.sha256, self.card = self.checked.sha256, self.checked.card
        self.file_bytes = len(self.checked.data)
        self._lock = threading.Lock()
        try:
            self.interpreter = Interpreter(model_content=self.checked.data,
                                           num_threads=threads or None)
            inputs = self.interpreter.get_input_details()
            outputs = self.interpreter.get_output_details()
        except (ValueError, RuntimeError) as e:
            first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise UserError(f"{self.path}: LiteRT cannot load the model ({first_line})") from None
        problems = contract_problems(inputs, outputs)
        if problems:
            raise UserError(f"{self.path}: does not fit the runtime ({'; '.join(problems)})")
        self._input, self._output = inputs[0]["index"], outputs[0]["index"]
        self._per_image = tuple(signature(inputs[0])[1:])  # (1, 28, 28) or (28, 28, 1)
        self.layout = layout(inputs[0])
        batch = signature(inputs[0])[0]
        self.fixed_batch: int | None = None if batch < 0 else batch
        self._batch = int(inputs[0]["shape"][0])  # the input's current size
        self._allocated = False
        self.precision = "int8" if any(np.dtype(t["dtype"]) == np.int8 for t in
                                       self.interpreter.get_tensor_details()) else "fp32"

    @property
    def metadata(self) -> dict[str, str]:
        """The metadata export wrote into the file ({} for a .tflite from elsewhere)."""
        raw = metadata_entry(self.checked.data, METADATA_NAME)
        return json.loads(raw) if raw else {}

    def predict_logits(self, pixels: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
        """(N, 1, 28, 28) float32 in [0, 1] -> (N, 10) float32 logits."""
        pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        if pixels.ndim != 4 or pixels.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"expected images of shape (N, 1, 28, 28), got {pixels.shape}")
        step = self.fixed_batch or chunk
        out = np.empty((len(pixels), NUM_CLASSES), dtype=np.float32)
        with self._lock:
            for start in range(0, len(pixels), step):
                batch = pixels[start : start + step]  # (n <= step, 1, 28, 28)
                out[start : start + len(batch)] = self.run(batch)[: len(batch)]
        return out

    def run(self, batch: np.ndarray) -> np.ndarray:
        """One invoke: (B, 1, 28, 28) float32 -> (B, 10) logits (B <= the fixed batch, if any)."""
        if self.fixed_batch and len(batch) < self.fixed_batch:
            pad = np.zeros((self.fixed_batch - len(batch), *IMAGE_SHAPE), dtype=np.float32)
            batch = np.concatenate([batch, pad])
        self._resize(len(batch))
        self.interpreter.set_tensor(self._input, batch.reshape(len(batch), *self._per_image))
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output)

    def _resize(self, batch: int) -> None:
        """Allocate for `batch` images; only when the size changes (allocation costs ~µs-ms)."""
        if batch != self._batch:
            self.interpreter.resize_tensor_input(self._input, [batch, *self._per_image])
            self._batch, self._allocated = batch, False
        if not self._allocated:
            with quiet_native_stderr():
                self.interpreter.allocate_tensors()
            self._allocated = True


_banner_pending = True  # XNNPACK prints its banner once per process, at the first allocation


@contextlib.contextmanager
def quiet_native_stderr():
    """File descriptor 2 pointed at /dev/null until the first allocation in this process is done.

    LiteRT logs "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." with C's stderr, no
    setting turns it off, and it comes once per process; errors still reach the caller as
    exceptions. Later allocations run untouched (no window in which a thread's stderr is lost).
    """
    global _banner_pending
    if not _banner_pending:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
        _banner_pending = False
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def metadata_entry(data: bytes, name: str) -> bytes | None:
    """The bytes of the model's metadata entry `name` (TFLite Model.metadata), None if absent."""
    model = schema.Model.GetRootAs(data, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name() == name.encode():
            buffer = model.Buffers(entry.Buffer())
            if buffer.Offset() > 1:  # stored after the flatbuffer (models over 2 GiB)
                return data[buffer.Offset() : buffer.Offset() + buffer.Size()]
            return buffer.DataAsNumpy().tobytes() if buffer.DataLength() else b""
    return None
