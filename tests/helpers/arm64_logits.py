"""Logits of the shipped models on a fixed set of images, written as .npy files.

What it is: a tiny script run on both sides of the x86-vs-aarch64 check (tests/test_arm64.py):
it reads (N, 28, 28) uint8 images from an .npy file, runs every installed model
(mnist_edge.artifacts: mnist_cnn.onnx, mnist_cnn.int8.onnx) through mnist_edge.model.session with
one thread, and writes <out>/<model file name>.npy ((N, 10) float32 logits) plus
<out>/versions.json. It imports only mnist_edge.model.session and numpy (no torch, no onnx), so it
runs unchanged in the emulated Raspberry Pi environment.
What it isn't: the comparison (done on x86 by the test) or a test in itself.

Usage: python arm64_logits.py IMAGES.npy OUT_DIR
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import onnxruntime

from mnist_edge.model.session import OnnxModel, as_model_input

MODELS = ("mnist_cnn.onnx", "mnist_cnn.int8.onnx")


def main(images_path: str, out_dir: str) -> None:
    images = np.load(images_path)  # (N, 28, 28) uint8
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    artifacts = files("mnist_edge.artifacts")
    for name in MODELS:
        model = OnnxModel(str(artifacts / name), threads=1)
        np.save(out / f"{name}.npy", model.predict_logits(as_model_input(images)))
    (out / "versions.json").write_text(json.dumps({
        "machine": platform.machine(), "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
