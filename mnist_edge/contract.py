"""The export <-> runtime contract: the facts both sides of a model file must agree on.

What it is: the shipped files' names, the graph's input/output names and shapes, the class
labels, the model card's name, schema and version, and the provenance helpers (versions of
what made a file, the command line as typed). Export writes files to this contract; the
runtime, bench and tests read them by it. Every such constant is defined here and only here.
What it isn't: the checks that hold a file to the contract (mnist_edge.model.check) or any
file I/O. Imports nothing beyond the standard library, so every stage and the device can use it.
"""

from __future__ import annotations

import platform
import shlex
import sys
from pathlib import Path

# --- files -----------------------------------------------------------------------------------
MODEL_FILES = {"fp32": "mnist_cnn.onnx", "int8": "mnist_cnn.int8.onnx"}  # precision -> file name
TFLITE_FILES = {"fp32": "mnist_cnn.tflite", "int8": "mnist_cnn.int8.tflite"}  # the LiteRT twins
BACKENDS = ("onnxruntime", "litert")  # the runtimes a model runs on (mnist_edge.backends)
DEFAULT_BACKEND = "onnxruntime"  # the design's runtime; litert reads TFLITE_FILES (the [litert] extra)
BACKEND_FILES = {"onnxruntime": MODEL_FILES, "litert": TFLITE_FILES}  # backend -> its shipped files
CARD_JSON = "model_card.json"  # beside the models: sizes, SHA-256s, accuracies, provenance
CARD_MD = "MODEL_CARD.md"  # the human summary of model_card.json
CARD_SCHEMA = "mnist-edge-model-card"
CARD_VERSION = 2  # 2: calibration (temperature) and the not-a-digit threshold
GOLDEN_PREFIX = "test_data_set_"  # golden vectors: test_data_set_K/{input_0,output_0}.pb

# --- the graph's interface ---------------------------------------------------------------------
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
IMAGE_SHAPE = (1, 28, 28)  # per image, after the batch dimension N: one channel, 28 x 28
NUM_CLASSES = 10
CLASS_LABELS = [str(d) for d in range(NUM_CLASSES)]
INPUT_DOC = "(N, 1, 28, 28) float32 in [0, 1], white digit on black"
OUTPUT_DOC = ("(N, 10) float32 logits for digits 0-9, already divided by the temperature fitted "
              "on validation data (softmax gives calibrated probabilities)")

# Pixel statistics of the MNIST training set, on pixels scaled to [0, 1]; the graph applies them.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


def command_line() -> str:
    """The command as typed: program name and arguments, quoted for a shell."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def versions(*modules: str) -> dict[str, str]:
    """mnist_edge, python and the named installed packages -> their versions (no imports)."""
    from importlib.metadata import PackageNotFoundError, version

    from mnist_edge import __version__

    found = {"mnist_edge": __version__, "python": platform.python_version()}
    for name in modules:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found
