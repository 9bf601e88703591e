"""The files of an export: the --out folder, self-contained ONNX files, publishing.

What it is: the names an export owns in --out (is_export_name); saving a ModelProto as ONE
file (weights inline, never an external .data file) and checking it. The export is
built in a staging folder beside --out and swapped in whole (mnist_edge.publish): a reader
sees the old export or the new one, never a mix, and nothing under --out is followed.
What it isn't: what goes into the files (to_onnx.py, quantize.py, golden.py, card.py).
"""

from __future__ import annotations

from pathlib import Path

import onnx

from mnist_edge.contract import CARD_JSON, CARD_MD, GOLDEN_PREFIX, MODEL_FILES, TFLITE_FILES
from mnist_edge.fsguard import writing


def is_export_name(name: str) -> bool:
    """The entries of --out an export owns (replaced by each export); anything else is the
    user's and is kept."""
    return (name in (*MODEL_FILES.values(), *TFLITE_FILES.values(), CARD_JSON, CARD_MD,
                     "qdq_report.json")
            or name.startswith(GOLDEN_PREFIX)
            or (name.startswith(".") and name.endswith(".tmp")))  # an older version's temp files


def save_self_contained(proto: onnx.ModelProto, path: Path) -> None:
    """Write `proto` with every weight inside the one file, then check it."""
    with writing(path):
        onnx.save_model(proto, path, save_as_external_data=False)
    check_onnx(path)


def check_onnx(path: Path) -> None:
    """The ONNX checker with full shape inference, and no tensor stored outside the file."""
    onnx.checker.check_model(str(path), full_check=True)
    proto = onnx.load(path, load_external_data=False)
    external = [t.name for t in proto.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise AssertionError(f"{path}: tensors stored as external data: {external}")
