"""`mnist-edge export --tflite` and the LiteRT backend: real checkpoint -> real .tflite files on LiteRT.

A small checkpoint (3,000 images, 2 epochs) is trained once per session and exported once
with --quantize --tflite; the tests compare the .tflite files run by
mnist_edge.backends.litert with torch (FP32) and with each other (INT8), check the dynamic
batch is exact, the card and metadata, and that the backend's checks refuse what it cannot
run. Skipped, with the reason, where litert-torch / ai-edge-quantizer / ai-edge-litert are
not installed (pyproject.toml's [tflite] extra says how).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch (pip install torch==2.13.0 -e '.[train]')")
for _module in ("ai_edge_litert", "ai_edge_quantizer", "litert_torch"):
    pytest.importorskip(_module, reason=f"needs {_module.replace('_', '-')} (the [tflite] extra)")

from rich.console import Console  # noqa: E402

from mnist_edge.backends import open_backend  # noqa: E402
from mnist_edge.backends.litert import LiteRTBackend  # noqa: E402
from mnist_edge.data.mnist import load_split  # noqa: E402
from mnist_edge.errors import UserError  # noqa: E402
from mnist_edge.export.config import ExportConfig  # noqa: E402
from mnist_edge.model.check import sha256_of  # noqa: E402
from mnist_edge.export.load import load_model  # noqa: E402
from mnist_edge.export.pipeline import run_export  # noqa: E402
from mnist_edge.export.tflite import TFLITE_FP32_NAME, TFLITE_INT8_NAME, quiet  # noqa: E402
from mnist_edge.model.session import as_model_input  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.mnist, pytest.mark.slow]
QUIET = Console(file=io.StringIO())
NAMES = [TFLITE_FP32_NAME, TFLITE_INT8_NAME]


@pytest.fixture(scope="session")
def tflite_checkpoint(mnist_dir, tmp_path_factory) -> Path:
    """A weakly but honestly trained checkpoint: ~93% test accuracy in a few seconds."""
    from mnist_edge.train.config import TrainConfig
    from mnist_edge.train.trainer import train

    out = tmp_path_factory.mktemp("train-tflite")
    train(TrainConfig(limit=3000, epochs=2, threads=1, data_dir=str(mnist_dir), out=str(out)), QUIET)
    return out / "checkpoint.pt"


@pytest.fixture(scope="session")
def exported(tflite_checkpoint, mnist_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("export-tflite")
    card = run_export(ExportConfig(checkpoint=str(tflite_checkpoint), out=str(out), quantize=True,
                                   tflite=True, golden_sets=1, data_dir=str(mnist_dir),
                                   command="mnist-edge export --tflite (pytest)"), QUIET)
    return out, card


@pytest.fixture(scope="session")
def test_split(mnist_dir):
    return load_split("test", mnist_dir)


def test_fp32_matches_torch(exported, tflite_checkpoint, test_split):
    out, _ = exported
    model, _ = load_model(tflite_checkpoint)
    pixels = as_model_input(test_split.images[:1000])  # (1000, 1, 28, 28)
    with torch.no_grad():
        expected = model(torch.from_numpy(pixels)).numpy()
    got = LiteRTBackend(out / TFLITE_FP32_NAME).predict_logits(pixels)
    assert np.abs(got - expected).max() <= 1e-4
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_int8_close_to_fp32(exported, test_split):
    out, card = exported
    images, labels = test_split.images[:2000], test_split.labels[:2000]
    fp32, int8 = (np.mean(open_backend("litert", out / name).predict_logits(as_model_input(images))
                          .argmax(1) == labels) for name in NAMES)
    assert fp32 > 0.85  # trained, if weakly: the comparison means something
    assert abs(100 * (fp32 - int8)) <= 0.3
    ev = card["evaluation"]["tflite"]
    assert ev["int8_drop_points"] <= ExportConfig().max_int8_drop and ev["int8_fp32_agreement"] >= 0.99


@pytest.mark.parametrize("name", NAMES)
def test_dynamic_batch_is_exact(exported, test_split, name):
    out, _ = exported
    backend = LiteRTBackend(out / name)
    assert backend.fixed_batch is None and backend.layout == "nchw"
    pixels = as_model_input(test_split.images[:40])
    whole = backend.predict_logits(pixels, chunk=40)  # one invoke of 40
    single = np.concatenate([backend.run(pixels[i : i + 1]) for i in range(40)])
    np.testing.assert_array_equal(whole, single)
    np.testing.assert_array_equal(backend.predict_logits(pixels, chunk=16), whole)


def test_int8_is_integer_inside_float_outside(exported):
    interpreter = LiteRTBackend(Path(exported[0]) / TFLITE_INT8_NAME).interpreter
    dtype = {t["index"]: np.dtype(t["dtype"]) for t in interpreter.get_tensor_details()}
    ops = interpreter._get_ops_details()
    assert [op["op_name"] for op in ops[:1] + ops[-2:]] == ["QUANTIZE", "DEQUANTIZE", "FULLY_CONNECTED"]
    assert [op["op_name"] for op in ops].count("DEQUANTIZE") == 1
    layers = [op for op in ops if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    assert len(layers) == 4  # conv1 (one input channel: depthwise), conv2, fc1, fc2
    for op in layers[:3]:  # activations and weights int8 (biases int32)
        assert [dtype[i] for i in (*op["inputs"][:2], *op["outputs"])] == [np.int8] * 3, op
    assert [dtype[i] for i in (*layers[3]["inputs"][:2], *layers[3]["outputs"])] == [np.float32] * 3


def test_card_and_metadata(exported, tflite_checkpoint):
    out, card = exported
    for name, precision in zip(NAMES, ("fp32", "int8")):
        entry = card["models"][name]
        assert entry["sha256"] == sha256_of(out / name) and entry["bytes"] == (out / name).stat().st_size
        assert entry["test_accuracy"] == card["evaluation"]["tflite"][f"{precision}_accuracy"]
        backend = LiteRTBackend(out / name)  # the SHA-256 check against the card passes
        assert backend.precision == precision and backend.checked.card == entry
        meta = backend.metadata
        assert meta["precision"] == precision and meta["checkpoint_sha256"] == sha256_of(tflite_checkpoint)
        assert json.loads(meta["class_labels"]) == [str(d) for d in range(10)]
    assert json.loads(LiteRTBackend(out / TFLITE_INT8_NAME).metadata["quantization"])["calibration_images"] == 1000


def test_golden_vector_reproduces(exported):
    from onnx import load_tensor, numpy_helper

    out, _ = exported
    inp = numpy_helper.to_array(load_tensor(str(out / "test_data_set_0" / "input_0.pb")))
    expected = numpy_helper.to_array(load_tensor(str(out / "test_data_set_0" / "output_0.pb")))
    got = LiteRTBackend(out / TFLITE_FP32_NAME).predict_logits(inp)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


# --- what the backend refuses -------------------------------------------------------------


def test_refuses_a_changed_file(exported, tmp_path):
    out, _ = exported
    for name in (TFLITE_INT8_NAME, "model_card.json"):
        shutil.copy(out / name, tmp_path / name)
    data = bytearray((tmp_path / TFLITE_INT8_NAME).read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / TFLITE_INT8_NAME).write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"SHA-256 .* does not match .*model_card.json"):
        LiteRTBackend(tmp_path / TFLITE_INT8_NAME)


def test_refuses_a_wrong_contract(tmp_path):
    import litert_torch

    wrong = torch.nn.Sequential(torch.nn.Linear(784, 5)).eval()  # (1, 784) -> (1, 5)
    with quiet():
        data = litert_torch.convert(wrong, (torch.rand(1, 784),)).model_content()
    (tmp_path / "wrong.tflite").write_bytes(bytes(data))
    with pytest.raises(UserError) as e:
        LiteRTBackend(tmp_path / "wrong.tflite")
    message = str(e.value)
    assert message.startswith(f"{tmp_path / 'wrong.tflite'}: does not fit the runtime") and "\n" not in message
    assert "expected float32 [N, 1, 28, 28]" in message and "expected float32 [N, 10]" in message


def test_refuses_what_is_not_tflite(exported, tmp_path):
    for name, data in (("empty.tflite", b""), ("onnx.tflite", (exported[0] / "mnist_cnn.onnx").read_bytes()),
                       ("cut.tflite", (exported[0] / TFLITE_FP32_NAME).read_bytes()[:5000])):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UserError, match=rf"^{tmp_path / name}: ") as e:
            LiteRTBackend(tmp_path / name)
        assert "\n" not in str(e.value)
