"""Small ONNX models built with the `onnx` package (dev venv only), for the runtime's model checks.

What it is: a linear classifier with a chosen input shape, optionally with its weight stored
as external data at a chosen location (which may point outside the model's folder), and raw
protobuf bytes for the hand-written reader's edge cases.
What it isn't: a realistic digit model; its predictions are meaningless.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def linear_model(input_shape=("N", 1, 28, 28), outputs: int = 10, opset: int = 18,
                 weight_location: str | None = None, metadata: dict | None = None):
    """image -> Flatten -> MatMul(W) -> logits; W external at `weight_location` if given."""
    features = int(np.prod([d for d in input_shape[1:]]))
    weight = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((features, outputs)).astype(np.float32), "W")
    if weight_location is not None:
        weight.ClearField("raw_data")
        weight.data_location = TensorProto.EXTERNAL
        entry = weight.external_data.add()
        entry.key, entry.value = "location", weight_location
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["image"], ["flat"], axis=1),
         helper.make_node("MatMul", ["flat", "W"], ["logits"])],
        "linear",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [input_shape[0], outputs])],
        initializer=[weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    return model


def save(model, path: Path) -> Path:
    """Serialize as is (external-data entries untouched, nothing written elsewhere)."""
    path.write_bytes(model.SerializeToString())
    return path


def weight_bytes(features: int = 784, outputs: int = 10) -> bytes:
    """The raw float32 weight linear_model() uses, for an external-data file."""
    return np.random.default_rng(0).standard_normal((features, outputs)).astype(np.float32).tobytes()
