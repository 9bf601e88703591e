"""`mnist-edge bench` with several runtimes: rows per installed backend, tiny budgets, real sessions.

No timing is asserted; the rows, their kinds, files, checks, cold starts, the precision
OpenVINO reports it runs and the accuracies (from the card, never hard-coded) are.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest

import mnist_edge.backends
from helpers.clirun import ARTIFACTS
from mnist_edge.bench.backends import installed
from mnist_edge.cli import main
from mnist_edge.contract import CARD_JSON, MODEL_FILES, TFLITE_FILES

pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [litert] extra)")
TINY = ["--runs", "3", "--warmup", "1", "--cold-starts", "1", "--threads", "1", "--batch", "1,4"]
CARD = json.loads((ARTIFACTS / CARD_JSON).read_text())["models"]


def bench(monkeypatch, capsys, tmp_path, *args) -> tuple[int, dict | None, str, str]:
    """`mnist-edge bench ARGS --json FILE` in-process: (exit code, report, stdout, stderr)."""
    out = tmp_path / "bench.json"
    monkeypatch.setattr(sys, "argv", ["mnist-edge", "bench", *map(str, args), "--json", str(out)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    printed = capsys.readouterr()
    report = json.loads(out.read_text()) if out.is_file() else None
    return exit_info.value.code, report, printed.out, printed.err


def one_line_error(code, err: str, *parts: str) -> None:
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    for part in parts:
        assert part in err, err


def test_onnxruntime_and_litert_side_by_side(monkeypatch, capsys, tmp_path):
    code, report, out, err = bench(monkeypatch, capsys, tmp_path, *TINY, "--backend", "onnxruntime,litert")
    assert code in (0, None), err
    models = report["models"]
    assert [m["label"] for m in models] == ["fp32", "int8", "litert fp32", "litert int8"]
    assert [m["kind"] for m in models] == ["onnxruntime"] * 2 + ["litert"] * 2
    assert [m["path"].rsplit("/", 1)[1] for m in models] == [
        MODEL_FILES["fp32"], MODEL_FILES["int8"], TFLITE_FILES["fp32"], TFLITE_FILES["int8"]]
    for m in models:  # the files the card lists, checked, and a cold start each
        name = m["path"].rsplit("/", 1)[1]
        assert m["sha256"] == CARD[name]["sha256"] and m["file_bytes"] == CARD[name]["bytes"]
        assert m["cold_start"]["starts"] == 1 and m["cold_start"]["first_run_s"] > 0
    assert len(report["results"]) == 4 * 2 and {r["runs"] for r in report["results"]} == {3}
    assert report["settings"]["backends"] == ["onnxruntime", "litert"]
    assert report["runtimes"]["ai-edge-litert"] != "absent"
    assert "LiteRT INT8/FP32, 1 thread, batch 4: throughput" in out
    assert err == ""  # no XNNPACK banner


def test_default_is_every_installed_backend(monkeypatch):
    assert installed()[:2] == ["onnxruntime", "litert"]
    monkeypatch.setattr(mnist_edge.backends, "litert_installed", lambda: False)
    assert "litert" not in installed() and installed()[0] == "onnxruntime"


def test_missing_litert_asked_by_name(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(mnist_edge.backends, "litert_installed", lambda: False)
    code, report, _, err = bench(monkeypatch, capsys, tmp_path, *TINY, "--backend", "litert")
    one_line_error(code, err, "--backend litert needs ai-edge-litert", "mnist-edge[litert]")
    assert report is None


def test_given_files_go_to_the_runtimes_that_read_them(monkeypatch, capsys, tmp_path):
    code, report, _, err = bench(monkeypatch, capsys, tmp_path, *TINY, "--cold-starts", "0",
                                 "--backend", "onnxruntime,litert", ARTIFACTS / MODEL_FILES["int8"],
                                 ARTIFACTS / TFLITE_FILES["int8"])
    assert code in (0, None), err
    assert [(m["label"], m["kind"]) for m in report["models"]] == [("int8", "onnxruntime"),
                                                                    ("litert int8", "litert")]


@pytest.mark.parametrize("args,parts", [
    (["--backend", "tensorrt"], ["--backend tensorrt", "onnxruntime, litert, openvino"]),
    (["--backend", "onnxruntime", str(ARTIFACTS / TFLITE_FILES["int8"])], ["no runtime in --backend onnxruntime"]),
])
def test_bad_backend_choices(monkeypatch, capsys, tmp_path, args, parts):
    code, report, _, err = bench(monkeypatch, capsys, tmp_path, *TINY, *args)
    one_line_error(code, err, *parts)


def test_a_tflite_that_does_not_match_the_card_is_refused(monkeypatch, capsys, tmp_path):
    shutil.copyfile(ARTIFACTS / CARD_JSON, tmp_path / CARD_JSON)
    shutil.copyfile(ARTIFACTS / TFLITE_FILES["fp32"], tmp_path / TFLITE_FILES["int8"])
    code, report, _, err = bench(monkeypatch, capsys, tmp_path, *TINY, "--backend", "litert",
                                 tmp_path / TFLITE_FILES["int8"])
    one_line_error(code, err, str(tmp_path / TFLITE_FILES["int8"]), "SHA-256", "does not match")


def test_openvino_row_says_what_it_runs(monkeypatch, capsys, tmp_path):
    pytest.importorskip("openvino", reason="needs openvino (pip install openvino)")
    code, report, out, err = bench(monkeypatch, capsys, tmp_path, *TINY, "--backend", "onnxruntime,openvino")
    assert code in (0, None), err
    rows = {m["label"]: m for m in report["models"]}
    assert list(rows) == ["fp32", "int8", "openvino fp32", "openvino int8"]
    assert rows["openvino fp32"]["runs_as"].split(",")[0] in ("f32", "bf16")
    assert "kernels INT8" in rows["openvino int8"]["runs_as"]  # the QDQ model really runs INT8
    assert rows["openvino int8"]["path"] == rows["int8"]["path"]  # it reads the same ONNX file
    assert rows["openvino fp32"]["cold_start"]["starts"] == 1  # import, read + compile, first run
    assert report["runtimes"]["openvino"] != "absent" and "OpenVINO INT8/FP32" in out


@pytest.mark.mnist
def test_accuracy_of_every_row_on_the_test_set(monkeypatch, capsys, tmp_path, mnist_dir):
    code, report, _, err = bench(monkeypatch, capsys, tmp_path, "--runs", "2", "--warmup", "1",
                                 "--cold-starts", "0", "--threads", "1", "--batch", "1",
                                 "--data-dir", mnist_dir)
    assert code in (0, None), err
    for m in report["models"]:
        card = CARD[m["path"].rsplit("/", 1)[1]]["test_accuracy"]
        if m["kind"] in ("onnxruntime", "litert"):
            assert m["accuracy"] == card, m["label"]
        else:  # OpenVINO's own kernels (and bf16 where it picks it): within 0.1 point
            assert abs(m["accuracy"] - card) <= 0.001, m["label"]
