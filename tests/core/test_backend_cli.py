"""--backend onnxruntime|litert on predict, the API and serve's /v1/model, with the shipped models.

Real console-script runs and real sessions: LiteRT reads the digits onnxruntime reads from the
sample photos, a .tflite whose SHA-256 differs from the card beside it is refused in one line,
a model of the other backend's kind is named as such, a missing [litert] extra is one line
(simulated: the module lookup mnist_edge.backends.litert_installed says it is absent), and
XNNPACK's banner never reaches stderr. Eval with --backend needs the MNIST files:
tests/mnist/test_backend_eval.py.
"""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest

import mnist_edge
import mnist_edge.backends
from helpers.clirun import ARTIFACTS, json_lines, mnist_edge as cli
from mnist_edge.cli import main
from mnist_edge.contract import CARD_JSON, TFLITE_FILES
from mnist_edge.errors import UserError

SAMPLES = sorted((ARTIFACTS / "samples").glob("digit_*_idx*.png"))
litert = pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [litert] extra)")


def run_main(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """`mnist-edge ARGS` in-process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["mnist-edge", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as e:
        code = e.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_predict_litert_reads_the_digits_onnxruntime_reads(precision):
    model = {} if precision == "int8" else {"ort": ARTIFACTS / "mnist_cnn.onnx",
                                           "litert": ARTIFACTS / TFLITE_FILES["fp32"]}
    runs = {}
    for backend in ("onnxruntime", "litert"):
        extra = ["--model", model["ort" if backend == "onnxruntime" else "litert"]] if model else []
        result = cli("predict", "--json", "--top-k", "3", "--backend", backend, *extra, *SAMPLES)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""  # no "INFO: Created TensorFlow Lite XNNPACK delegate" line
        runs[backend] = json_lines(result.stdout)
    ort, lite = runs["onnxruntime"], runs["litert"]
    assert [o["digit"] for o in lite] == [o["digit"] for o in ort] == [
        int(p.name.split("_")[1]) for p in SAMPLES]
    for a, b in zip(ort, lite):  # the same network: probabilities close (INT8: two quantizers)
        assert abs(a["probability"] - b["probability"]) < (1e-4 if precision == "fp32" else 0.05)


def test_litert_default_model_is_the_shipped_tflite_of_the_same_precision():
    reader = mnist_edge.load(backend="litert")
    assert reader.path.name == TFLITE_FILES["int8"] and reader.backend.precision == "int8"
    assert reader.backend.sha256 == json.loads((ARTIFACTS / CARD_JSON).read_text())[
        "models"][TFLITE_FILES["int8"]]["sha256"]
    ort = mnist_edge.load()
    got = [r.digit for r in reader.predict_many(SAMPLES)]
    assert got == [r.digit for r in ort.predict_many(SAMPLES)]
    fp32 = mnist_edge.backends.open_backend("litert", precision="fp32")
    assert fp32.path.name == TFLITE_FILES["fp32"] and fp32.precision == "fp32"


@pytest.mark.parametrize("backend,name,other", [
    ("litert", TFLITE_FILES["int8"], TFLITE_FILES["fp32"]),
    ("onnxruntime", "mnist_cnn.int8.onnx", "mnist_cnn.onnx")])
def test_a_model_that_does_not_match_the_card_is_refused_in_one_line(tmp_path, backend, name, other):
    shutil.copyfile(ARTIFACTS / CARD_JSON, tmp_path / CARD_JSON)
    shutil.copyfile(ARTIFACTS / other, tmp_path / name)  # a loadable model, not the card's bytes
    result = cli("predict", "--backend", backend, "--model", tmp_path / name, SAMPLES[0])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {tmp_path / name}: SHA-256 ")
    assert "does not match" in result.stderr and str(tmp_path / CARD_JSON) in result.stderr


@pytest.mark.parametrize("backend,model,other", [
    ("onnxruntime", ARTIFACTS / TFLITE_FILES["int8"], "litert"),
    ("litert", ARTIFACTS / "mnist_cnn.onnx", "onnxruntime")])
def test_a_model_of_the_other_backend_is_named_as_such(monkeypatch, capsys, backend, model, other):
    code, out, err = run_main(monkeypatch, capsys, "predict", "--backend", backend, "--model", model,
                              SAMPLES[0])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {model}: ") and f"--backend {other}" in err


@pytest.mark.parametrize("how", ["lookup", "module"])
def test_missing_litert_extra_is_one_line(monkeypatch, capsys, how):
    if how == "lookup":  # the module-level check
        monkeypatch.setattr(mnist_edge.backends, "litert_installed", lambda: False)
    else:  # as if the package were absent: find_spec() reports None for it
        monkeypatch.setitem(sys.modules, mnist_edge.backends.LITERT_MODULE, None)
    for args in (["predict", "--backend", "litert", SAMPLES[0]],
                 ["predict", "--json", "--backend", "litert", SAMPLES[0]]):
        code, out, err = run_main(monkeypatch, capsys, *args)
        assert code == 2 and out == ""
        assert err == ("error: --backend litert needs ai-edge-litert, which is not installed: "
                       "pip install 'mnist-edge[litert]'\n")
    with pytest.raises(UserError, match=r"needs ai-edge-litert.*mnist-edge\[litert\]"):
        mnist_edge.load(backend="litert")
    assert mnist_edge.load().predict(SAMPLES[0]).digit is not None  # onnxruntime still works


def test_unknown_backend_is_a_usage_error():
    result = cli("predict", "--backend", "tensorrt", SAMPLES[0])
    assert result.returncode == 2 and "tensorrt" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(UserError, match="backend 'tensorrt': expected one of onnxruntime, litert"):
        mnist_edge.load(backend="tensorrt")


def test_litert_backend_serves_several_threads():
    """One interpreter is not thread-safe: the backend serialises calls (serve's workers)."""
    from concurrent.futures import ThreadPoolExecutor

    backend = mnist_edge.backends.open_backend("litert")
    rng = np.random.default_rng(0)
    batches = [rng.random((n, 1, 28, 28), dtype=np.float32) for n in (1, 7, 64, 3) * 4]
    expected = [backend.predict_logits(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(backend.predict_logits, batches))
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)


def test_backend_info_of_a_litert_model():
    from mnist_edge.backends.info import backend_info

    info = backend_info(mnist_edge.backends.open_backend("litert"))
    card = json.loads((ARTIFACTS / CARD_JSON).read_text())["models"][TFLITE_FILES["int8"]]
    assert info["backend"] == "litert" and info["sha256"] == card["sha256"]
    assert info["card_sha256"] == "matches" and info["precision"] == "int8" and info["shipped"]
    assert info["metadata"]["precision"] == "int8" and info["bytes"] == card["bytes"]


def test_predict_on_litert_keeps_the_fast_path():
    """--backend litert still skips typer (and pydantic); LiteRT is imported only then."""
    import subprocess

    probe = ("import atexit, json, sys\n"
             "atexit.register(lambda: print('MODULES=' + json.dumps(sorted(sys.modules))))\n"
             "sys.argv = ['mnist-edge', 'predict', '--backend', sys.argv[1], sys.argv[2]]\n"
             "from mnist_edge.cli import main\nmain()\n")
    for backend, litert_loaded in (("litert", True), ("onnxruntime", False)):
        result = subprocess.run([sys.executable, "-c", probe, backend, str(SAMPLES[7])],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        line = next(x for x in result.stdout.splitlines() if x.startswith("MODULES="))
        modules = set(json.loads(line.removeprefix("MODULES=")))
        assert "mnist_edge.cli.fast" in modules and not {"typer", "pydantic"} & modules
        assert ("ai_edge_litert" in modules) is litert_loaded
        assert ("onnxruntime" in modules) is not litert_loaded  # each backend imports its own runtime
