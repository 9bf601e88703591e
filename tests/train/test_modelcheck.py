"""Model checks before loading (mnist_edge.model.check, mnist_edge.model.onnxproto), in process and via the CLI.

Crafted models come from tests/craft_models.py (built with `onnx`, dev venv only): wrong input
shape, fixed batch, external data inside and outside the model's folder. The hand-written
protobuf reader is compared with onnx's own parser on the shipped models.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from helpers.clirun import ARTIFACTS, mnist_edge
from helpers.craft_models import linear_model, onnx, save, weight_bytes
from mnist_edge.errors import UserError
from mnist_edge.model.check import read_model, shipped_model
from mnist_edge.model.onnxproto import ProtoError, parse_model
from mnist_edge.model.session import OnnxModel

SAMPLE = next((ARTIFACTS / "samples").glob("digit_7_*.png"), None)


def one_error_line(result, *needles: str) -> str:
    """The single stderr line of a failed call; checks it names every needle."""
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# --- the hand-written reader ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist_cnn.onnx", "mnist_cnn.int8.onnx"])
def test_reader_agrees_with_onnx_on_shipped_models(name):
    data = (ARTIFACTS / name).read_bytes()
    mine, theirs = parse_model(data), onnx.load_from_string(data)
    assert mine.ir_version == theirs.ir_version
    assert mine.opsets == {o.domain: o.version for o in theirs.opset_import}
    assert mine.metadata == {p.key: p.value for p in theirs.metadata_props}
    initializers = {t.name for t in theirs.graph.initializer}
    inputs = [i for i in theirs.graph.input if i.name not in initializers]
    assert [v.name for v in mine.inputs] == [i.name for i in inputs]
    for value, proto in zip(mine.inputs + mine.outputs, inputs + list(theirs.graph.output)):
        dims = tuple(d.dim_value if d.HasField("dim_value") else d.dim_param
                     for d in proto.type.tensor_type.shape.dim)
        assert value.shape == dims and value.elem_type == proto.type.tensor_type.elem_type
    assert sum(mine.op_types.values()) == len(theirs.graph.node)
    assert mine.external_data == []


def test_reader_finds_external_data_in_nested_graphs():
    inner = linear_model(weight_location="inner.bin").graph
    outer = linear_model(weight_location="outer.bin")
    outer.graph.node.append(onnx.helper.make_node(
        "If", ["cond"], ["unused"], then_branch=inner, else_branch=inner))
    found = parse_model(outer.SerializeToString()).external_data
    assert sorted(found) == [("W", "inner.bin"), ("W", "inner.bin"), ("W", "outer.bin")]


@pytest.mark.parametrize("data", [b"\x0a\xff\xff\xff\xff\x0f", b"\x08", b"\x0f\x00", b"\x00\x01"])
def test_reader_rejects_malformed_bytes(data):
    with pytest.raises(ProtoError):
        parse_model(data)


# --- read_model ----------------------------------------------------------------------------


def test_shipped_models_pass_and_are_found_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for precision in ("int8", "fp32"):
        checked = read_model(shipped_model(precision))
        assert checked.precision == precision
        assert checked.card is not None and checked.card["sha256"] == checked.sha256


def test_sha256_mismatch_with_card_is_refused(tmp_path):
    model = tmp_path / "mnist_cnn.int8.onnx"
    shutil.copyfile(shipped_model("int8"), model)
    card = json.loads((ARTIFACTS / "model_card.json").read_text())
    card["models"]["mnist_cnn.int8.onnx"]["sha256"] = "0" * 64
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(UserError, match="does not match .*model_card.json"):
        read_model(model)
    (tmp_path / "model_card.json").write_text("{not json")
    with pytest.raises(UserError, match="unreadable model card"):
        read_model(model)


def test_model_not_in_card_is_not_hash_checked(tmp_path):
    model = save(linear_model(), tmp_path / "mine.onnx")
    shutil.copyfile(ARTIFACTS / "model_card.json", tmp_path / "model_card.json")
    assert read_model(model).card is None


@pytest.mark.parametrize("shape, problem", [
    (("N", 1, 32, 32), "input image: float32 [N, 1, 32, 32], expected float32 [N, 1, 28, 28]"),
    (("N", 784), "expected float32 [N, 1, 28, 28]"),
    ((1, 1, 28, 28), "fixed batch of 1"),
])
def test_contract_violations(tmp_path, shape, problem):
    path = save(linear_model(input_shape=shape), tmp_path / "m.onnx")
    with pytest.raises(UserError, match="does not fit the runtime") as caught:
        read_model(path)
    assert problem in str(caught.value)


def test_wrong_output_width(tmp_path):
    path = save(linear_model(outputs=12), tmp_path / "m.onnx")
    with pytest.raises(UserError, match=r"output logits: float32 \[N, 12\]"):
        read_model(path)


def test_external_data_inside_the_folder_loads_and_runs(tmp_path):
    (tmp_path / "w.bin").write_bytes(weight_bytes())
    path = save(linear_model(weight_location="w.bin"), tmp_path / "m.onnx")
    logits = OnnxModel(path).predict_logits(np.zeros((3, 1, 28, 28), np.float32))  # (3, 10)
    assert logits.shape == (3, 10)


@pytest.mark.parametrize("location", ["../x.bin", "sub/../../x.bin", "/tmp/x.bin", ""])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    folder = tmp_path / "models"
    folder.mkdir()
    (tmp_path / "x.bin").write_bytes(weight_bytes())  # the escape target exists and is valid
    path = save(linear_model(weight_location=location), folder / "m.onnx")
    with pytest.raises(UserError) as caught:
        read_model(path)
    assert str(caught.value).startswith(f"{path}: tensor 'W' stores its data externally")


def test_external_data_symlink_out_of_the_folder_is_refused(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (tmp_path / "x.bin").write_bytes(weight_bytes())
    os.symlink(tmp_path / "x.bin", folder / "w.bin")
    path = save(linear_model(weight_location="w.bin"), folder / "m.onnx")
    with pytest.raises(UserError, match="outside the model's folder"):
        read_model(path)


# --- through the real CLI ------------------------------------------------------------------


def test_cli_refuses_external_data_outside_the_folder(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (tmp_path / "x.bin").write_bytes(weight_bytes())
    model = save(linear_model(weight_location="../x.bin"), folder / "evil.onnx")
    for args in (["predict", SAMPLE, "--model", model], ["info", model], ["eval", "--model", model]):
        result = mnist_edge(*args)
        assert result.returncode == 2, result
        one_error_line(result, str(model), "'../x.bin'", "outside the model's folder")
        assert result.stdout == ""


@pytest.mark.parametrize("kind, needle", [
    ("text", "not an ONNX model"),
    ("empty", "empty file"),
    ("truncated", "not an ONNX model"),
    ("missing", "model file not found"),
    ("wrong_shape", "does not fit the runtime"),
])
def test_cli_bad_model_is_one_line_exit_2(tmp_path, kind, needle):
    model = tmp_path / f"{kind}.onnx"
    if kind == "text":
        model.write_text("this is not a model\n")
    elif kind == "empty":
        model.write_bytes(b"")
    elif kind == "truncated":
        model.write_bytes(shipped_model("fp32").read_bytes()[:5000])
    elif kind == "wrong_shape":
        save(linear_model(input_shape=("N", 1, 32, 32)), model)
    result = mnist_edge("predict", SAMPLE, "--model", model)
    assert result.returncode == 2
    one_error_line(result, f"error: {model}: ", needle)
    assert result.stdout == ""


def test_cli_info_on_wrong_shape_model_shows_the_problem(tmp_path):
    model = save(linear_model(input_shape=("N", 1, 32, 32), metadata={"author": "test"}), tmp_path / "m.onnx")
    result = mnist_edge("info", model, "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["inputs"] == ["image: float32 [N, 1, 32, 32]"]
    assert "expected float32 [N, 1, 28, 28]" in info["runtime_contract"]
    assert info["metadata"] == {"author": "test"} and info["precision"] == "fp32"
    assert info["card"] is None and info["opsets"] == {"ai.onnx": 18}
