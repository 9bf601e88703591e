"""mnist_edge.backends without torch: the onnxruntime backend on the shipped models, the choice
of backend, and the LiteRT backend's checks on files that are no TFLite model.

The LiteRT backend on real .tflite files (parity with torch, INT8 accuracy, the I/O
contract) is tested in test_tflite.py, which exports them.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_edge.backends import BACKENDS, open_backend
from mnist_edge.errors import UserError
from mnist_edge.model.check import shipped_model
from mnist_edge.model.session import OnnxModel


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_onnxruntime_backend_is_the_runtime(precision):
    backend = open_backend("onnxruntime", shipped_model(precision))
    model = OnnxModel(shipped_model(precision))
    assert (backend.name, backend.path, backend.precision) == ("onnxruntime", model.path, precision)
    assert backend.metadata == model.metadata and backend.metadata["precision"] == precision
    pixels = np.random.default_rng(0).random((37, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(backend.predict_logits(pixels), model.predict_logits(pixels))


def test_default_is_the_shipped_int8_on_onnxruntime():
    backend = open_backend()
    assert (backend.name, backend.path, backend.precision) == ("onnxruntime", shipped_model("int8"), "int8")


def test_unknown_backend():
    with pytest.raises(UserError, match="backend 'tensorrt': expected one of " + ", ".join(BACKENDS)):
        open_backend("tensorrt")


def test_litert_refuses_files_that_are_no_tflite(tmp_path):
    pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [litert] extra)")
    cases = {"missing.tflite": None, "empty.tflite": b"", "model.tflite": shipped_model("fp32").read_bytes()}
    messages = {"missing.tflite": "model file not found", "empty.tflite": "empty file",
                "model.tflite": "not a TFLite model"}
    for name, data in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
        with pytest.raises(UserError, match=f"^{tmp_path / name}: {messages[name]}"):
            open_backend("litert", tmp_path / name)
    with pytest.raises(UserError, match="is a directory"):
        open_backend("litert", tmp_path)


def test_litert_backend_imports_no_torch_or_converter():
    import json
    import subprocess
    import sys

    pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [litert] extra)")
    code = ("import json, sys; from mnist_edge.backends import open_backend; "
            "import mnist_edge.backends.litert; open_backend('onnxruntime'); "
            "print(json.dumps(sorted(m for m in ('torch', 'onnx', 'onnxscript', 'jax', 'litert_torch', "
            "'ai_edge_quantizer') if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.torch
def test_export_tflite_names_the_missing_converter(monkeypatch, tmp_path):
    pytest.importorskip("torch", reason="needs torch (pip install torch==2.13.0 -e '.[train]')")
    import sys

    from mnist_edge.export.config import ExportConfig
    from mnist_edge.export.pipeline import run_export

    monkeypatch.setitem(sys.modules, "litert_torch", None)  # find_spec() now says: not installed
    with pytest.raises(UserError, match=r"^--tflite needs litert-torch, not installed"):
        run_export(ExportConfig(checkpoint=str(tmp_path / "never-read.pt"), out=str(tmp_path / "out"),
                                tflite=True))
    assert not (tmp_path / "out").exists()
