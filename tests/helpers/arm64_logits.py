"""Logits of the shipped models on a fixed set of images, written as .npy files.

What it is: a tiny script run on both sides of the x86-vs-aarch64 check (tests/arm64, through
scripts/arm64.py): it reads (N, 28, 28) uint8 images from an .npy file, runs the shipped models
(mnist_edge.artifacts) with one thread through mnist_edge.backends, the ONNX ones on onnxruntime
and, where ai_edge_litert is installed, the .tflite ones on LiteRT, and writes
<out>/<model file name>.npy ((N, 10) float32 logits) plus <out>/versions.json. It imports no
torch and no onnx, so it runs unchanged in the emulated Raspberry Pi environment.
What it isn't: the comparison (done on x86 by the test) or a test in itself.

Usage: python arm64_logits.py IMAGES.npy OUT_DIR
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.metadata import version
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import onnxruntime

from mnist_edge.backends import open_backend
from mnist_edge.contract import MODEL_FILES, TFLITE_FILES
from mnist_edge.model.session import as_model_input


def models() -> dict[str, str]:
    """{model file name: backend} of every shipped model this environment can run."""
    out = {name: "onnxruntime" for name in MODEL_FILES.values()}
    if find_spec("ai_edge_litert"):
        out.update({name: "litert" for name in TFLITE_FILES.values()})
    return out


def main(images_path: str, out_dir: str) -> None:
    images = np.load(images_path)  # (N, 28, 28) uint8
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    artifacts = files("mnist_edge.artifacts")
    versions = {"machine": platform.machine(), "python": platform.python_version(),
                "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}
    for name, backend in models().items():
        model = open_backend(backend, str(artifacts / name), threads=1)
        np.save(out / f"{name}.npy", model.predict_logits(as_model_input(images)))
        if backend == "litert":
            versions["ai_edge_litert"] = version("ai-edge-litert")
    (out / "versions.json").write_text(json.dumps(versions))


if __name__ == "__main__":
    main(*sys.argv[1:3])
