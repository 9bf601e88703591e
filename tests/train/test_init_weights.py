"""train --init: fine-tuning starts from a checkpoint's or an exported model's weights.

Checked against onnxruntime on the shipped FP32 model (its folded temperature undone and folded
again gives its own logits), against a random start (a run from the shipped weights reads the
validation digits far better after the same few steps), and on bad files (one line, --out left
as it was). Needs torch and the real MNIST files.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch (the [train] extra)")

from rich.console import Console  # noqa: E402

from mnist_edge.errors import UserError  # noqa: E402
from mnist_edge.export.config import ExportConfig  # noqa: E402
from mnist_edge.model.check import sha256_of  # noqa: E402
from mnist_edge.export.load import fold_temperature, training_summary  # noqa: E402
from mnist_edge.export.pipeline import run_export  # noqa: E402
from mnist_edge.model.check import artifacts_dir  # noqa: E402
from mnist_edge.train.checkpoint import load_checkpoint  # noqa: E402
from mnist_edge.train.config import TrainConfig  # noqa: E402
from mnist_edge.train.init_weights import initial_weights  # noqa: E402
from mnist_edge.train.model import ReportCNN  # noqa: E402
from mnist_edge.train.trainer import train  # noqa: E402

SHIPPED_FP32 = artifacts_dir() / "mnist_cnn.onnx"


def test_onnx_weights_with_temperature_folded_again_give_the_models_logits():
    import onnxruntime as ort

    model = ReportCNN().eval()
    model.load_state_dict(initial_weights(str(SHIPPED_FP32)))
    temperature = float(ort.InferenceSession(str(SHIPPED_FP32)).get_modelmeta()
                        .custom_metadata_map["temperature"])
    fold_temperature(model, temperature)
    images = np.random.default_rng(0).random((8, 1, 28, 28), dtype=np.float32)  # (8, 1, 28, 28)
    expected = ort.InferenceSession(str(SHIPPED_FP32)).run(None, {"image": images})[0]
    with torch.no_grad():
        got = model(torch.from_numpy(images)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)


def few_steps(tmp_path, mnist_dir, **overrides) -> TrainConfig:
    # 3 steps at a learning rate too small to learn anything: what the run reads is its start
    return TrainConfig(**{**dict(limit=300, epochs=1, batch_size=100, lr=1e-7, seed=7, threads=2,
                                 oe_weight=0.0, out=str(tmp_path), data_dir=str(mnist_dir)),
                          **overrides})


def test_fine_tuning_starts_from_the_shipped_model(tmp_path, mnist_dir):
    tuned = train(few_steps(tmp_path / "tuned", mnist_dir, init=str(SHIPPED_FP32)))
    scratch = train(few_steps(tmp_path / "scratch", mnist_dir))
    assert tuned["final_validation_accuracy"] > 0.97  # the shipped model's reading of them
    assert scratch["final_validation_accuracy"] < 0.5  # random weights after 3 steps
    state = load_checkpoint(tmp_path / "tuned" / "checkpoint.pt")
    assert state["init_sha256"] == sha256_of(SHIPPED_FP32)
    assert training_summary(state)["init_sha256"] == sha256_of(SHIPPED_FP32)
    assert state["config"]["recipe"]["init"] == str(SHIPPED_FP32)
    # the export's card names where the run started
    card = run_export(ExportConfig(checkpoint=str(tmp_path / "tuned" / "checkpoint.pt"),
                                   out=str(tmp_path / "export"), data_dir=str(mnist_dir)),
                      Console(file=io.StringIO()))
    assert card["training"]["init_sha256"] == sha256_of(SHIPPED_FP32)
    assert f"fine-tuned from: `{SHIPPED_FP32}` (SHA-256 `{sha256_of(SHIPPED_FP32)}`)" in (
        tmp_path / "export" / "MODEL_CARD.md").read_text()
    # from a checkpoint: its raw weights, as they are
    again = initial_weights(str(tmp_path / "tuned" / "checkpoint.pt"))
    assert all(torch.equal(again[k], state["model"][k]) for k in state["model"])


@pytest.mark.parametrize("name, expected", [
    ("mnist_cnn.int8.onnx", "not an FP32 export"),
    ("missing.onnx", "file not found"),
    ("garbage.onnx", "not an ONNX model"),
    ("garbage.pt", "not a checkpoint"),
])
def test_bad_init_is_one_line_naming_the_file(tmp_path, mnist_dir, name, expected):
    path = artifacts_dir() / name if name.startswith("mnist_cnn") else tmp_path / name
    if name.startswith("garbage"):
        path.write_bytes(b"\x08\x01 not a model at all")
    out = tmp_path / "out"
    with pytest.raises(UserError, match=expected) as e:
        train(few_steps(out, mnist_dir, init=str(path)))
    assert str(e.value).startswith("--init") and str(path) in str(e.value)
    assert "\n" not in str(e.value) and not out.exists()
    done = subprocess.run([sys.executable, "-c", "from mnist_edge.cli import main; main()", "train",
                           "--init", str(path), "--out", str(out), "--limit", "300",
                           "--data-dir", str(mnist_dir)], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and str(path) in done.stderr
    assert not out.exists()
