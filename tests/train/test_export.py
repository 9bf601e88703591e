"""`mnist-edge export`: real checkpoint -> real ONNX files, checked with onnxruntime.

A small checkpoint (3,000 images, 2 epochs) is trained once per session and exported once
(FP32 + INT8 + QDQ report); the tests read those files. Bad inputs go through the real
entry point (mnist_edge.cli.main): one line on stderr, exit code 2, no .onnx left behind.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch (pip install torch==2.13.0 -e '.[train]')")
onnx = pytest.importorskip("onnx")

from rich.console import Console  # noqa: E402

from mnist_edge.cli import main  # noqa: E402
from mnist_edge.data import FILES  # noqa: E402
from mnist_edge.data.mnist import load_split  # noqa: E402
from mnist_edge.errors import UserError  # noqa: E402
from mnist_edge.export.config import ExportConfig  # noqa: E402
from mnist_edge.model.check import sha256_of  # noqa: E402
from mnist_edge.export.load import load_model  # noqa: E402
from mnist_edge.export.pipeline import FP32_NAME, INT8_NAME, run_export  # noqa: E402
from mnist_edge.model.session import OnnxModel, accuracy, as_model_input  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.mnist, pytest.mark.slow]
QUIET = Console(file=io.StringIO())


@pytest.fixture(scope="session")
def checkpoint(mnist_dir, tmp_path_factory) -> Path:
    """A weakly but honestly trained checkpoint: ~93% test accuracy in a few seconds."""
    from mnist_edge.train.config import TrainConfig
    from mnist_edge.train.trainer import train

    out = tmp_path_factory.mktemp("train")
    # One torch thread: on a busy 2-core machine the default (all cores) runs ~5x slower.
    train(TrainConfig(limit=3000, epochs=2, threads=1, data_dir=str(mnist_dir), out=str(out)), QUIET)
    return out / "checkpoint.pt"


@pytest.fixture(scope="session")
def exported(checkpoint, mnist_dir, tmp_path_factory) -> tuple[Path, dict]:
    """One export with every option that writes something: (out folder, model card)."""
    out = tmp_path_factory.mktemp("export")
    card = run_export(ExportConfig(checkpoint=str(checkpoint), out=str(out), quantize=True,
                                   qdq_report=True, data_dir=str(mnist_dir),
                                   command="mnist-edge export (pytest)"), QUIET)
    return out, card


@pytest.fixture(scope="session")
def test_split(mnist_dir):
    return load_split("test", mnist_dir)


# --- numbers -----------------------------------------------------------------------------


def test_fp32_matches_torch(exported, checkpoint, test_split):
    out, _ = exported
    model, _ = load_model(checkpoint)
    pixels = as_model_input(test_split.images[:1000])  # (1000, 1, 28, 28)
    with torch.no_grad():
        expected = model(torch.from_numpy(pixels)).numpy()
    got = OnnxModel(out / FP32_NAME).predict_logits(pixels)
    assert np.abs(got - expected).max() <= 1e-4
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_int8_close_to_fp32(exported, test_split):
    out, card = exported
    ev = card["evaluation"]
    fp32 = accuracy(OnnxModel(out / FP32_NAME), test_split.images, test_split.labels)
    int8 = accuracy(OnnxModel(out / INT8_NAME), test_split.images, test_split.labels)
    assert (ev["test_images"], ev["fp32_accuracy"], ev["int8_accuracy"]) == (10_000, fp32, int8)
    assert fp32 > 0.85  # trained, if weakly: the INT8 comparison means something
    assert 100 * (fp32 - int8) <= ExportConfig().max_int8_drop
    assert ev["int8_fp32_agreement"] >= 0.995


@pytest.mark.parametrize("name", [FP32_NAME, INT8_NAME])
def test_dynamic_batch(exported, test_split, name):
    out, _ = exported
    session = OnnxModel(out / name).session
    pixels = as_model_input(test_split.images[:256])
    whole = session.run(None, {"image": pixels})[0]  # (256, 10)
    for batch in (1, 7):
        parts = [session.run(None, {"image": pixels[i : i + batch]})[0]
                 for i in range(0, 21, batch)]
        np.testing.assert_allclose(np.concatenate(parts), whole[: len(np.concatenate(parts))],
                                   rtol=0, atol=1e-5)
    assert session.get_inputs()[0].shape == ["N", 1, 28, 28]


# --- the files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [FP32_NAME, INT8_NAME])
def test_file_is_self_contained_and_described(exported, checkpoint, name):
    out, _ = exported
    assert not [p for p in out.iterdir() if p.suffix == ".data" or p.name.endswith(".tmp")]
    onnx.checker.check_model(str(out / name), full_check=True)
    proto = onnx.load(out / name, load_external_data=False)
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in proto.graph.initializer)
    assert {o.domain: o.version for o in proto.opset_import}[""] >= 18
    assert proto.graph.input[0].name == "image" and "white digit on black" in proto.graph.input[0].doc_string
    assert proto.graph.output[0].name == "logits" and "digits 0-9" in proto.graph.output[0].doc_string
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["class_labels"]) == [str(d) for d in range(10)]
    assert json.loads(meta["preprocessing"])["range"] == [0.0, 1.0]
    assert meta["checkpoint_sha256"] == sha256_of(checkpoint)
    assert json.loads(meta["data_md5"]) == FILES
    assert 0.8 < json.loads(meta["training_test_accuracy"]) <= 1
    assert {"torch", "onnx", "onnxruntime", "mnist_edge"} <= json.loads(meta["versions"]).keys()
    assert meta["precision"] == ("int8" if name == INT8_NAME else "fp32")
    assert ("quantization" in meta) == (name == INT8_NAME)


def test_fp32_graph_is_clean_and_normalises(exported):
    proto = onnx.load(exported[0] / FP32_NAME)
    assert [n.op_type for n in proto.graph.node] == [
        "Sub", "Div", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Gemm",
        "Relu", "Gemm"]
    consts = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    sub, div = proto.graph.node[0], proto.graph.node[1]
    assert consts[sub.input[1]] == pytest.approx(0.1307) and consts[div.input[1]] == pytest.approx(0.3081)


def test_int8_settings_recorded(exported):
    out, card = exported
    meta = {p.key: p.value for p in onnx.load(out / INT8_NAME).metadata_props}
    settings = json.loads(meta["quantization"])
    assert settings == card["quantization"]
    assert (settings["format"], settings["per_channel"], settings["calibration_images"]) == ("QDQ", True, 1000)
    ops = {n.op_type for n in onnx.load(out / INT8_NAME).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops


def test_int8_graph_keeps_first_conv_fp32_and_float_logits(exported):
    """The defaults that make INT8 faster than FP32 on onnxruntime (bench/INT8.md)."""
    graph = onnx.load(exported[0] / INT8_NAME).graph
    producer = {out: node for node in graph.node for out in node.output}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    assert all(name not in producer or producer[name].op_type != "DequantizeLinear"
               for name in convs[0].input)
    assert producer[convs[1].input[0]].op_type == "DequantizeLinear"
    after_conv1 = [n.op_type for n in graph.node if convs[0].output[0] in n.input]
    assert after_conv1 == ["MaxPool"]  # Relu moved behind the pooling
    assert producer["logits"].op_type == "Gemm"


def test_golden_vectors_reproduce(exported, test_split):
    out, _ = exported
    model = OnnxModel(out / FP32_NAME)
    for k in range(3):
        folder = out / f"test_data_set_{k}"
        inp = onnx.numpy_helper.to_array(onnx.load_tensor(str(folder / "input_0.pb")))
        expected = onnx.numpy_helper.to_array(onnx.load_tensor(str(folder / "output_0.pb")))
        assert inp.shape == (1, 1, 28, 28) and expected.shape == (1, 10)
        np.testing.assert_array_equal(inp, as_model_input(test_split.images[k : k + 1]))
        np.testing.assert_allclose(model.predict_logits(inp), expected, rtol=1e-5, atol=1e-5)


def test_model_card(exported, checkpoint):
    out, card = exported
    assert json.loads((out / "model_card.json").read_text()) == card
    assert card["command"] == "mnist-edge export (pytest)"
    for name, entry in card["files"].items():
        assert (out / name).stat().st_size == entry["bytes"]
        assert sha256_of(out / name) == entry["sha256"]
    assert card["models"][INT8_NAME]["bytes"] < card["models"][FP32_NAME]["bytes"] / 3
    assert card["training"]["epochs"] == 2 and card["training"]["test_images"] == 3000
    assert card["checkpoint"]["sha256"] == sha256_of(checkpoint) and card["data_md5"] == FILES
    text = (out / "MODEL_CARD.md").read_text()
    assert FP32_NAME in text and INT8_NAME in text and card["command"] in text


def test_qdq_report(exported):
    out, card = exported
    report = json.loads((out / card["qdq_report"]).read_text())
    # by default the first conv stays FP32 and the logits float (export/int8_graph.py)
    assert {"conv2.weight", "fc1.weight", "fc2.weight"} <= report["weights"].keys()
    assert "conv1.weight" not in report["weights"]
    assert {"max_pool2d", "relu_2"} <= report["activations"].keys()
    assert "logits" not in report["activations"]
    assert all(np.isfinite(db) and db > 20 for db in report["weights"].values())


def test_cli_replaces_an_earlier_export(monkeypatch, capsys, tmp_path, checkpoint, mnist_dir):
    """FP32 only, one golden set: the earlier INT8 model, QDQ report and extra golden sets
    (which would not match the new FP32 model) go; files the export does not own stay."""
    out = tmp_path / "out"
    stale = [INT8_NAME, "qdq_report.json", "test_data_set_4/input_0.pb", "test_data_set_4/output_0.pb"]
    for name in [*stale, "notes.txt", FP32_NAME]:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("from an earlier run")
    monkeypatch.setattr(sys, "argv", ["mnist-edge", "export", "--checkpoint", str(checkpoint),
                                      "--out", str(out), "--golden-sets", "1",
                                      "--data-dir", str(mnist_dir)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"next: mnist-edge predict --model {out / FP32_NAME} digit.png" in said
    assert not [name for name in stale if (out / name).exists()] and not (out / "test_data_set_4").exists()
    assert (out / "notes.txt").exists() and (out / "test_data_set_0" / "input_0.pb").exists()
    onnx.checker.check_model(str(out / FP32_NAME), full_check=True)
    card = json.loads((out / "model_card.json").read_text())
    assert list(card["models"]) == [FP32_NAME] and card["quantization"] is None
    assert card["command"].startswith("mnist-edge export --checkpoint ")


# --- bad input through the real entry point ----------------------------------------------


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str]:
    """Run `mnist-edge *args` in-process; returns (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["mnist-edge", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, *names: str) -> None:
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for name in names:
        assert name in err, err


def no_onnx(folder: Path) -> bool:
    return not folder.exists() or not list(folder.rglob("*.onnx*"))


def test_missing_checkpoint(monkeypatch, capsys, tmp_path, mnist_dir):
    out = tmp_path / "out"
    code, err = run_cli(monkeypatch, capsys, "export", "--checkpoint", tmp_path / "nope.pt",
                        "--out", out, "--data-dir", mnist_dir)
    assert_one_line_error(code, err, str(tmp_path / "nope.pt"), "not found")
    assert no_onnx(out)


def test_corrupt_checkpoint(monkeypatch, capsys, tmp_path, mnist_dir):
    bad, out = tmp_path / "bad.pt", tmp_path / "out"
    bad.write_bytes(b"\x00garbage, not a checkpoint\xff" * 50)
    code, err = run_cli(monkeypatch, capsys, "export", "--checkpoint", bad, "--out", out,
                        "--data-dir", mnist_dir)
    assert_one_line_error(code, err, str(bad), "not a checkpoint made by `mnist-edge train`")
    assert no_onnx(out)


def _foreign(checkpoint: Path, path: Path, change) -> Path:
    state = torch.load(checkpoint, weights_only=False)
    change(state)
    torch.save(state, path)
    return path


@pytest.mark.parametrize("kind,change,message", [
    ("arch", lambda s: s.update(arch="lenet-5"), "architecture 'lenet-5'"),
    ("shapes", lambda s: s["model"].update({"fc1.weight": torch.zeros(100, 1152)}), "do not fit"),
    ("missing", lambda s: s["model"].pop("fc2.bias"), "do not fit"),
])
def test_foreign_checkpoint(monkeypatch, capsys, tmp_path, checkpoint, mnist_dir, kind, change, message):
    bad, out = _foreign(checkpoint, tmp_path / f"{kind}.pt", change), tmp_path / "out"
    code, err = run_cli(monkeypatch, capsys, "export", "--checkpoint", bad, "--out", out,
                        "--data-dir", mnist_dir)
    assert_one_line_error(code, err, str(bad), message)
    assert no_onnx(out)


def test_unwritable_out(monkeypatch, capsys, tmp_path, checkpoint, mnist_dir):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code, err = run_cli(monkeypatch, capsys, "export", "--checkpoint", checkpoint,
                        "--out", blocker / "sub", "--data-dir", mnist_dir)
    assert_one_line_error(code, err, str(blocker / "sub"), "not writable")
    assert no_onnx(tmp_path)


def test_int8_drop_bound_fails_and_writes_nothing(monkeypatch, capsys, tmp_path, checkpoint, mnist_dir):
    out = tmp_path / "out"
    code, err = run_cli(monkeypatch, capsys, "export", "--checkpoint", checkpoint, "--out", out,
                        "--quantize", "--max-int8-drop=-100", "--calibration-images", 200,
                        "--golden-sets", 0, "--data-dir", mnist_dir)
    assert_one_line_error(code, err, str(out), "INT8 accuracy", "--max-int8-drop")
    assert not out.exists()  # not even an empty folder


def test_without_torch_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    code, err = run_cli(monkeypatch, capsys, "export", "--out", tmp_path / "out")
    assert_one_line_error(code, err, "[train]", "torch==2.13.0")
    assert no_onnx(tmp_path / "out")


@pytest.mark.parametrize("kwargs,message", [
    ({"quant_format": "qqq"}, "--quant-format qqq"),
    ({"activation_type": "QInt8", "weight_type": "QUInt8"}, "QUInt8"),
    ({"qdq_report": True}, "add --quantize"),
    ({"quantize": True, "qdq_report": True, "quant_format": "QOperator"}, "QDQ"),
    ({"opset": 17}, "--opset 17"),
])
def test_config_refuses_bad_options(kwargs, message):
    with pytest.raises(UserError, match=message):
        ExportConfig(**kwargs).checked()


def test_config_canonical_spelling():
    cfg = ExportConfig(quant_format="qoperator", activation_type="qint8",
                       calibration_method="percentile").checked()
    assert (cfg.quant_format, cfg.activation_type, cfg.calibration_method) == (
        "QOperator", "QInt8", "Percentile")
