"""`mnist-edge export --from-export`: the shipped export again with new thresholds, nothing else.

The shipped models (ONNX and TFLite) are copied with their card and golden vectors, given new
thresholds through the real CLI, and compared with the originals: same graph and weights (the
same logits on the golden inputs), new metadata, a card whose sizes and SHA-256s are the new
files'; bad input is one line, exit 2, and no --out. Needs onnx and ai-edge-litert, not torch.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [tflite] extra)")

from helpers.clirun import ARTIFACTS, mnist_edge  # noqa: E402

import mnist_edge as api  # noqa: E402
from mnist_edge.model.check import sha256_of  # noqa: E402

MODELS = ("mnist_cnn.onnx", "mnist_cnn.int8.onnx", "mnist_cnn.tflite", "mnist_cnn.int8.tflite")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped export (models, card, golden vectors), without the package's samples."""
    src = tmp_path_factory.mktemp("shipped")
    for entry in ARTIFACTS.iterdir():
        if entry.name in (*MODELS, "model_card.json", "MODEL_CARD.md"):
            shutil.copy2(entry, src / entry.name)
        elif entry.name.startswith("test_data_set_"):
            shutil.copytree(entry, src / entry.name)
    return src


@pytest.fixture(scope="module")
def retuned(shipped, tmp_path_factory):
    out = tmp_path_factory.mktemp("retuned") / "export"
    result = mnist_edge("export", "--from-export", shipped, "--out", out,
                        "--min-confidence", "0.55", "--min-logsumexp", "3.25")
    assert result.returncode == 0, result.stderr
    return out


def _golden_input(folder):
    tensor = onnx.TensorProto()
    tensor.ParseFromString((folder / "test_data_set_0" / "input_0.pb").read_bytes())
    return onnx.numpy_helper.to_array(tensor)  # (N, 1, 28, 28) float32


def test_only_the_thresholds_change(shipped, retuned):
    for name in MODELS:
        backend = "litert" if name.endswith(".tflite") else "onnxruntime"
        old, new = (api.load(folder / name, backend=backend) for folder in (shipped, retuned))
        assert (new.min_confidence, new.min_logsumexp) == (0.55, 3.25)
        changed = {k for k in {*old.backend.metadata, *new.backend.metadata}
                   if old.backend.metadata.get(k) != new.backend.metadata.get(k)}
        assert changed == {"min_confidence", "min_logsumexp"}, name
        pixels = _golden_input(shipped)
        assert np.array_equal(old.backend.predict_logits(pixels), new.backend.predict_logits(pixels)), name
    for name in MODELS[:2]:
        a, b = onnx.load(shipped / name), onnx.load(retuned / name)
        assert a.graph == b.graph, name  # nodes and every initializer, bit for bit


def test_the_card_describes_the_new_files_and_the_command(shipped, retuned):
    card = json.loads((retuned / "model_card.json").read_text())
    for name in MODELS:
        assert card["models"][name]["sha256"] == sha256_of(retuned / name) == card["files"][name]["sha256"]
        assert card["models"][name]["bytes"] == (retuned / name).stat().st_size
    assert card["calibration"]["min_confidence"] == 0.55 and card["calibration"]["min_logsumexp"] == 3.25
    assert "--from-export" in card["thresholds_set"]["command"]
    assert "min_logsumexp = 3.2500" in (retuned / "MODEL_CARD.md").read_text()
    for folder in sorted(shipped.glob("test_data_set_*")):
        for pb in folder.iterdir():
            assert (retuned / folder.name / pb.name).read_bytes() == pb.read_bytes()


def test_bad_input_is_one_line_and_no_output(shipped, tmp_path):
    out = tmp_path / "out"
    none = mnist_edge("export", "--from-export", shipped, "--out", out)
    assert none.returncode == 2 and "give --min-confidence, --min-logsumexp or both" in none.stderr
    no_card = mnist_edge("export", "--from-export", tmp_path, "--out", out, "--min-logsumexp", "3")
    assert no_card.returncode == 2 and "model_card.json: no model card" in no_card.stderr
    changed = tmp_path / "changed"
    shutil.copytree(shipped, changed)
    with open(changed / "mnist_cnn.int8.onnx", "ab") as f:
        f.write(b"\0")
    edited = mnist_edge("export", "--from-export", changed, "--out", out, "--min-logsumexp", "3")
    assert edited.returncode == 2 and "mnist_cnn.int8.onnx: not the file its model card describes" in edited.stderr
    for result in (none, no_card, edited):
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()
