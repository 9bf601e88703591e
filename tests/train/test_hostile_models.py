"""The hostile suite, model half: models that pass the checks but fail when run, models built to
break the checks themselves, and external data that reaches outside the model's folder through
links. Each through the real CLI: one line naming the model, exit 2 (or, for NaN logits, one
failure line per image, exit 1), never a traceback, never a read outside the folder.
Built with onnx (tests/helpers/craft_models.py); no MNIST needed except for eval.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from helpers.clirun import ARTIFACTS, mnist_edge  # noqa: E402
from helpers.craft_models import linear_model, save, weight_bytes  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from mnist_edge.errors import UserError  # noqa: E402
from mnist_edge.model.check import read_model  # noqa: E402
from mnist_edge.views import SHIFTS  # noqa: E402

SAMPLE = ARTIFACTS / "samples" / "digit_7_idx0.png"
SAMPLE_2 = ARTIFACTS / "samples" / "digit_2_idx1.png"


def _model(nodes, initializers=(), output_shape=("N", 10), name="hostile"):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, output_shape)],
        initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    return model


def _weight(outputs: int):
    return numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((784, outputs)).astype(np.float32), "W")


def _flat_matmul(out="logits"):
    return [helper.make_node("Flatten", ["image"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "W"], [out])]


def output_5_declared_10():
    return _model(_flat_matmul(), [_weight(5)])  # declares (N, 10), computes (N, 5)


def output_rankless():
    model = _model(_flat_matmul(), [_weight(5)], output_shape=None)
    model.graph.output[0].type.tensor_type.ClearField("shape")
    return model


def needs_784_values():
    shape = numpy_helper.from_array(np.array([1, 784], np.int64), "shape")
    return _model([helper.make_node("Reshape", ["image", "shape"], ["flat"]),
                   helper.make_node("MatMul", ["flat", "W"], ["logits"])], [_weight(10), shape])


def allocates_40_tb():
    huge = numpy_helper.from_array(np.array([100_000, 100_000, 1_000], np.int64), "huge")
    axes = numpy_helper.from_array(np.array([0, 1, 2], np.int64), "axes")
    return _model([*_flat_matmul("mm"),
                   helper.make_node("Shape", ["image"], ["s"], start=0, end=1),  # keeps it at run time
                   helper.make_node("ConstantOfShape", ["huge"], ["big"]),
                   helper.make_node("ReduceSum", ["big", "axes"], ["total"], keepdims=0),
                   helper.make_node("Add", ["mm", "total"], ["logits"])], [_weight(10), huge, axes])


def nan_logits():
    nan = numpy_helper.from_array(np.array([np.nan], np.float32), "nan")
    return _model([*_flat_matmul("mm"), helper.make_node("Mul", ["mm", "nan"], ["logits"])],
                  [_weight(10), nan])


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (onnx's own builder refuses to nest this deep)."""
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def nested_subgraphs(depth: int = 400) -> bytes:
    """A valid model plus an If inside an If ... `depth` deep: a 10 KB file that once ended in
    a RecursionError. Serialized by hand: onnx's protobuf refuses 100+ levels itself."""
    graph = b""
    for _ in range(depth):  # GraphProto.node(1) -> NodeProto.op_type(4), attribute(5) -> g(6)
        attribute = _field(1, b"then_branch") + b"\xa0\x01\x05" + _field(6, graph)  # type(20) GRAPH
        graph = _field(1, _field(4, b"If") + _field(5, attribute))
    model = linear_model()
    top = model.graph.SerializeToString() + graph  # the nested If appended as one more node
    model.ClearField("graph")
    return model.SerializeToString() + _field(7, top)


RUN_FAILURES = {  # name -> (model, words of the error line)
    "output_5": (output_5_declared_10, "the model's output is float32 (1, 5)"),
    "rankless": (output_rankless, "the model's output is float32 (1, 5)"),
    "needs_784": (needs_784_values, "onnxruntime failed running the model"),
    "alloc_40tb": (allocates_40_tb, "onnxruntime"),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    made = {name: save(make(), folder / f"{name}.onnx") for name, (make, _) in RUN_FAILURES.items()}
    made["nested"] = folder / "nested.onnx"
    made["nested"].write_bytes(nested_subgraphs())
    made["nan"] = save(nan_logits(), folder / "nan.onnx")
    return made


def one_error_line(result, model: Path, words: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result
    assert result.stderr.startswith(f"error: {model}: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr, result.stderr


@pytest.mark.parametrize("name", list(RUN_FAILURES))
def test_model_failing_when_run_is_one_line_in_predict(models, name):
    result = mnist_edge("predict", "--model", models[name], SAMPLE, SAMPLE_2)
    one_error_line(result, models[name], RUN_FAILURES[name][1].replace("(1, 5)", f"({2 * len(SHIFTS)}, 5)")
                   if name in ("output_5", "rankless") else RUN_FAILURES[name][1])


@pytest.mark.parametrize("name", ["output_5", "needs_784"])
def test_model_failing_when_run_is_one_line_in_bench(models, name):
    result = mnist_edge("bench", models[name], "--runs", "2", "--cold-starts", "0", "--threads", "1",
                        "--batch", "1")
    one_error_line(result, models[name], "")


def test_model_failing_when_run_is_one_line_in_eval(models, mnist_dir):
    result = mnist_edge("eval", "--model", models["needs_784"], "--limit", "300",
                        "--data-dir", mnist_dir)
    one_error_line(result, models["needs_784"], "onnxruntime failed running the model")


@pytest.mark.parametrize("command", [["predict", "--model", "{m}", str(SAMPLE)], ["info", "{m}"],
                                     ["bench", "{m}", "--runs", "1", "--cold-starts", "0"]])
def test_deeply_nested_subgraphs_refused_in_one_line(models, command):
    result = mnist_edge(*[str(models["nested"]) if a == "{m}" else a for a in command])
    one_error_line(result, models["nested"], "subgraphs nested more than 32 deep")
    assert models["nested"].stat().st_size < 64_000


def test_nan_logits_are_failures_not_json_nan(models):
    result = mnist_edge("predict", "--json", "--model", models["nan"], SAMPLE)
    assert "Traceback" not in result.stderr and result.returncode == 1

    def refuse(constant):
        raise AssertionError(f"{constant} in JSON output")

    (line,) = [json.loads(text, parse_constant=refuse) for text in result.stdout.splitlines()]
    assert line["file"] == str(SAMPLE) and "not finite" in line["error"]


# --- external data: resolved exactly as onnxruntime resolves it ------------------------------


def test_nul_byte_in_external_data_location(tmp_path):
    path = save(linear_model(weight_location="w\0.bin"), tmp_path / "m.onnx")
    with pytest.raises(UserError, match="NUL byte"):
        read_model(path)
    result = mnist_edge("info", path)
    one_error_line(result, path, "NUL byte")


def test_linked_model_reads_weights_beside_the_link_and_a_link_out_is_refused(tmp_path):
    """linkdir/model.onnx -> realdir/model.onnx: onnxruntime reads linkdir/w.bin, which links to
    a file outside; the check must look there too (it looked beside the real file)."""
    real, link, outside = tmp_path / "real", tmp_path / "link", tmp_path / "outside"
    for folder in (real, link, outside):
        folder.mkdir()
    (real / "w.bin").write_bytes(weight_bytes())
    (outside / "secret.bin").write_bytes(weight_bytes())  # valid weights: onnxruntime would load them
    model = save(linear_model(weight_location="w.bin"), real / "model.onnx")
    read_model(model)  # the real folder is fine
    (link / "model.onnx").symlink_to(model)
    (link / "w.bin").symlink_to(outside / "secret.bin")
    with pytest.raises(UserError, match="outside the model's folder"):
        read_model(link / "model.onnx")
    result = mnist_edge("predict", "--model", link / "model.onnx", SAMPLE)
    one_error_line(result, link / "model.onnx", "outside the model's folder")


def test_linked_folder_of_a_model_with_its_weights_is_fine(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "w.bin").write_bytes(weight_bytes())
    save(linear_model(weight_location="w.bin"), real / "model.onnx")
    (tmp_path / "alias").symlink_to(real)
    assert read_model(tmp_path / "alias" / "model.onnx").proto.external_data == [("W", "w.bin")]


def test_shipped_model_copy_runs(tmp_path):
    """The control: a copy of the shipped model, elsewhere, is read normally."""
    copy = Path(shutil.copyfile(ARTIFACTS / "mnist_cnn.int8.onnx", tmp_path / "m.onnx"))
    result = mnist_edge("predict", "--model", copy, SAMPLE)
    assert result.returncode == 0 and result.stdout.splitlines()[1].split()[-2] == "7"
    os.unlink(copy)


@pytest.mark.parametrize("key", ["min_confidence", "min_logsumexp"])
def test_a_threshold_in_the_metadata_that_is_no_number_is_one_line(tmp_path, key):
    """The not-a-digit thresholds come from the model's metadata: JSON numbers, or the model is
    refused by name (not a ValueError traceback); JSON null means no threshold."""
    path = save(linear_model(metadata={key: '"high"'}), tmp_path / "m.onnx")
    result = mnist_edge("predict", "--model", path, SAMPLE)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {path}: metadata {key} is not a number: 'high'"]
    path = save(linear_model(metadata={key: "null"}), tmp_path / "null.onnx")
    assert mnist_edge("predict", "--model", path, SAMPLE).returncode == 0
