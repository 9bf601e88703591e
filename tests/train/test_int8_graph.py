"""export/int8_graph.py on tiny hand-built graphs: the edits are exact and do what they say."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from mnist_edge.export.int8_graph import first_conv, float_output, pool_before_relu  # noqa: E402

RNG = np.random.default_rng(0)


def _model(nodes, inits, out_shape) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def _conv_relu_pool() -> onnx.ModelProto:
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2])]
    inits = {"w": RNG.standard_normal((2, 1, 3, 3)).astype(np.float32),
             "b": RNG.standard_normal(2).astype(np.float32)}
    return _model(nodes, inits, ["N", 2, 3, 3])


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_pool_before_relu_is_exact():
    model = _conv_relu_pool()
    x = RNG.standard_normal((4, 1, 6, 6)).astype(np.float32)
    expected = _run(model, x)
    conv = first_conv(model)
    assert conv.name == "conv" and pool_before_relu(model, conv)
    onnx.checker.check_model(model, full_check=True)
    assert [n.op_type for n in model.graph.node] == ["Conv", "MaxPool", "Relu"]
    np.testing.assert_array_equal(_run(model, x), expected)


def test_pool_before_relu_leaves_other_shapes_alone():
    model = _conv_relu_pool()
    del model.graph.node[2]  # Conv -> Relu, no pooling
    model.graph.node[1].output[0] = "y"
    before = model.SerializeToString()
    assert not pool_before_relu(model, first_conv(model))
    assert model.SerializeToString() == before


def test_float_output_removes_the_output_qdq_pair():
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("QuantizeLinear", ["r", "s", "z"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"])]
    model = _model(nodes, {"s": np.array(0.5, np.float32), "z": np.array(0, np.uint8)}, ["N", 1, 6, 6])
    x = RNG.standard_normal((2, 1, 6, 6)).astype(np.float32)
    assert float_output(model) == 1
    onnx.checker.check_model(model, full_check=True)
    assert [n.op_type for n in model.graph.node] == ["Relu"] and not model.graph.initializer
    np.testing.assert_array_equal(_run(model, x), np.maximum(x, 0))  # not rounded to steps of 0.5


def test_first_conv_needs_a_conv():
    model = _model([helper.make_node("Relu", ["x"], ["y"])], {}, ["N", 1, 6, 6])
    with pytest.raises(ValueError, match="no Conv"):
        first_conv(model)
