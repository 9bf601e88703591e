"""`mnist-edge bench`: runs end to end with a tiny budget, valid JSON, correct statistics, clear errors.

No timed assertions: the figures depend on the machine; only their presence, shape and
consistency are checked. Runs go through the real entry point (mnist_edge.cli.main).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_edge.bench.run import SCHEMA, SCHEMA_VERSION, BenchConfig, parse_counts
from mnist_edge.bench.loop import BLOCK_S, time_cell
from mnist_edge.bench.stats import percentile, ratios, summarize
from mnist_edge.cli import main
from mnist_edge.errors import UserError
from mnist_edge.model.check import shipped_model
from mnist_edge.bench.profile import parse_trace
from mnist_edge.bench.sysinfo import cpu_flags, cpu_model, read_cpuinfo

TINY = ["--runs", "3", "--warmup", "1", "--cold-starts", "1", "--threads", "1", "--batch", "1,4",
        "--backend", "onnxruntime"]  # the other runtimes' rows: test_bench_backends.py


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """`mnist-edge bench ARGS` in-process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["mnist-edge", "bench", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def one_line_error(code: int, err: str, *names: str) -> None:
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for name in names:
        assert name in err, err


# --- statistics ---------------------------------------------------------------------------


@pytest.mark.parametrize("samples,q,expected", [
    ([1.0, 2.0, 3.0, 4.0], 50, 2.5),  # between the two middle values
    ([float(v) for v in range(1, 11)], 90, 9.1),  # rank 0.9 * 9 = 8.1 -> 9 + 0.1 * (10 - 9)
    ([float(v) for v in range(1, 101)], 99, 99.01),
    ([5.0], 99, 5.0),
    ([3.0, 1.0, 2.0], 0, 1.0),  # unsorted input
    ([3.0, 1.0, 2.0], 100, 3.0),
])
def test_percentile_hand_computed(samples, q, expected):
    assert percentile(samples, q) == pytest.approx(expected)


def test_percentile_matches_numpy():
    samples = np.random.default_rng(1).lognormal(size=1001)
    for q in (1, 50, 90, 99, 99.9):
        assert percentile(samples, q) == pytest.approx(np.percentile(samples, q))


def test_percentile_refuses_nonsense():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarize():
    s = summarize([0.004, 0.001, 0.002, 0.003], batch=8)  # seconds
    assert s["runs"] == 4
    lat = s["latency_ms"]
    assert (lat["p50"], lat["mean"], lat["min"], lat["max"]) == pytest.approx((2.5, 2.5, 1.0, 4.0))
    assert lat["p90"] == pytest.approx(3.7) and lat["p99"] == pytest.approx(3.97)
    assert s["throughput_ips"] == pytest.approx(8 / 0.0025)


def test_ratios_against_the_first_model():
    def row(model, p50):
        return {"model": model, "threads": 1, "batch": 4, "latency_ms": {"p50": p50},
                "throughput_ips": 4 / (p50 / 1e3)}

    (r,) = ratios([row("fp32", 2.0), row("int8", 1.0)], "fp32")
    assert (r["model"], r["baseline"], r["throughput"], r["latency_p50"]) == ("int8", "fp32", 2.0, 0.5)


def test_parse_counts():
    assert parse_counts("1, 2,4,2", "--threads") == [1, 2, 4]
    for bad in ("", "a,b", "0", "1,-2"):
        with pytest.raises(UserError, match="--threads"):
            parse_counts(bad, "--threads")


# --- the timing loop ----------------------------------------------------------------------


def test_time_cell_exact_runs_and_turns():
    calls = []
    runs = [lambda x, k=k: calls.append(k) for k in range(3)]
    times = time_cell(runs, np.zeros(1), warmup=2, budget_s=10.0, max_runs=5)
    assert [len(t) for t in times] == [5, 5, 5]
    assert all(s >= 0 for t in times for s in t)
    timed = calls[6:]  # after 2 warm-up calls each
    assert timed[0] == 0 and timed[-1] in (0, 2)  # blocks take turns: A B C, C B A, ...
    assert len(calls) == 6 + 15


def test_time_cell_time_budget_runs_at_least_three_rounds():
    runs = [lambda x: None, lambda x: None]
    times = time_cell(runs, np.zeros(1), warmup=1, budget_s=1e-9, max_runs=0)
    block = round(BLOCK_S / 1e-6)  # trivial runs: the block is capped by the 1 us floor
    assert all(3 <= len(t) <= 3 * block for t in times)


# --- system info, profile parsing ---------------------------------------------------------

X86 = "processor\t: 0\nmodel name\t: AMD EPYC 9B14\nflags\t\t: fpu avx2 fma avx512f avx512_vnni\n\n"
PI4 = ("processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
       "CPU implementer\t: 0x41\nCPU part\t: 0xd08\n\n")


def test_cpuinfo_x86(tmp_path):
    (tmp_path / "cpuinfo").write_text(X86)
    blocks = read_cpuinfo(tmp_path / "cpuinfo")
    assert cpu_model(blocks) == "AMD EPYC 9B14"
    flags = cpu_flags(blocks, "x86_64")
    assert flags["avx512_vnni"] and flags["avx2"] and not flags["amx_int8"]


def test_cpuinfo_raspberry_pi_4(tmp_path):
    (tmp_path / "cpuinfo").write_text(PI4)
    blocks = read_cpuinfo(tmp_path / "cpuinfo")
    assert cpu_model(blocks) == "ARM Cortex-A72"
    flags = cpu_flags(blocks, "aarch64")
    assert flags["asimd"] and not flags["asimddp"]
    assert read_cpuinfo(tmp_path / "missing") == []


def test_parse_trace_counts_only_the_timed_runs():
    events = []
    for k, ts in enumerate((0, 100, 200)):  # one warm-up run, then two timed runs
        events.append({"cat": "Session", "name": "model_run", "ts": ts, "dur": 50})
        events.append({"cat": "Node", "name": "conv_kernel_time", "ts": ts + 1, "dur": 30 + k,
                       "args": {"op_name": "Conv"}})
        events.append({"cat": "Node", "name": "gemm_kernel_time", "ts": ts + 2, "dur": 10,
                       "args": {"op_name": "Gemm"}})
        events.append({"cat": "Node", "name": "conv_fence_before", "ts": ts + 1, "dur": 999})
    p = parse_trace(events, runs=2)
    assert p["runs"] == 2 and p["run_ms"] == pytest.approx(0.05)
    assert p["by_op_type"] == pytest.approx({"Conv": 0.0315, "Gemm": 0.01})
    assert p["by_node"][0] == {"node": "conv", "op": "Conv", "ms": pytest.approx(0.0315), "min_ms": pytest.approx(0.031)}
    assert p["kernel_ms"] == pytest.approx(0.0415) and p["kernel_min_ms"] == pytest.approx(0.041)


# --- end to end through the CLI -----------------------------------------------------------


def check_report(report: dict, models: int, batches: list[int], threads: list[int]) -> None:
    assert (report["schema"], report["schema_version"]) == (SCHEMA, SCHEMA_VERSION)
    system = report["system"]
    for key in ("cpu", "machine", "cpu_flags", "logical_cores", "usable_cores", "onnxruntime",
                "execution_provider", "python", "numpy", "os"):
        assert key in system
    assert system["execution_provider"] == "CPUExecutionProvider"
    assert len(report["models"]) == models
    for m in report["models"]:
        assert m["file_bytes"] > 0 and len(m["sha256"]) == 64 and Path(m["path"]).is_file()
        if m["kind"] == "onnxruntime":
            cold = m["cold_start"]
            assert cold["starts"] == 1 and cold["peak_rss_bytes"] > 0
            assert all(cold[k] > 0 for k in ("import_s", "session_s", "first_run_s", "process_s"))
    assert len(report["results"]) == models * len(batches) * len(threads)
    for r in report["results"]:
        lat = r["latency_ms"]
        assert r["runs"] == 3 and r["batch"] in batches and r["threads"] in threads
        assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
        assert r["throughput_ips"] == pytest.approx(r["batch"] / lat["p50"] * 1e3)
    assert len(report["ratios"]) == (models - 1) * len(batches) * len(threads)
    assert report["peak_rss_bytes"] > 0
    assert report["settings"]["batches"] == batches and report["settings"]["threads"] == threads


def test_bench_end_to_end_with_profile(monkeypatch, capsys, tmp_path):
    out = tmp_path / "bench.json"
    code, stdout, _ = run_cli(monkeypatch, capsys, *TINY, "--profile", "--json", out)
    assert code in (0, None)
    report = json.loads(out.read_text())
    check_report(report, models=2, batches=[1, 4], threads=[1])
    assert [m["label"] for m in report["models"]] == ["fp32", "int8"]
    assert report["inputs"] == {"source": "random", "images": 4}  # no MNIST files in this test
    profile = report["profile"]
    assert profile["batch"] == 4 and set(profile["models"]) == {"fp32", "int8"}
    for p in profile["models"].values():
        assert p["by_op_type"] and p["by_node"] and p["kernel_ms"] > 0
    assert "INT8/FP32, 1 thread, batch 4: throughput" in stdout
    assert "random pixels" in stdout and "Per-operator time" in stdout
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically


@pytest.mark.mnist
def test_bench_uses_real_test_images(monkeypatch, capsys, tmp_path, mnist_dir):
    out = tmp_path / "bench.json"
    code, _, _ = run_cli(monkeypatch, capsys, *TINY, "--cold-starts", "0", "--data-dir", mnist_dir,
                         "--json", out, shipped_model("int8"))
    assert code in (0, None)
    report = json.loads(out.read_text())
    assert report["inputs"]["source"] == "mnist-test"
    assert [m["label"] for m in report["models"]] == ["int8"] and report["ratios"] == []


def test_same_precision_models_are_labelled_by_file(monkeypatch, capsys, tmp_path):
    copy = tmp_path / "other.onnx"
    copy.write_bytes(shipped_model("fp32").read_bytes())
    out = tmp_path / "bench.json"
    code, stdout, _ = run_cli(monkeypatch, capsys, *TINY, "--cold-starts", "0", "--json", out,
                              shipped_model("fp32"), copy)
    assert code in (0, None)
    labels = [m["label"] for m in json.loads(out.read_text())["models"]]
    assert labels == ["mnist_cnn.onnx", "other.onnx"]
    assert "other.onnx/mnist_cnn.onnx, 1 thread, batch 1" in stdout


# --- errors: one line, exit code 2 --------------------------------------------------------


def test_missing_model(monkeypatch, capsys, tmp_path):
    code, _, err = run_cli(monkeypatch, capsys, *TINY, tmp_path / "nope.onnx")
    one_line_error(code, err, str(tmp_path / "nope.onnx"), "not found")


def test_broken_model(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage, not a model" * 40)
    code, _, err = run_cli(monkeypatch, capsys, *TINY, bad)
    one_line_error(code, err, str(bad))


def test_truncated_model(monkeypatch, capsys, tmp_path):
    cut = tmp_path / "cut.onnx"
    data = shipped_model("int8").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    code, _, err = run_cli(monkeypatch, capsys, *TINY, cut)
    one_line_error(code, err, str(cut))


@pytest.mark.parametrize("args,message", [
    (["--threads", "x"], "--threads x"),
    (["--batch", "0"], "--batch 0"),
    (["--seconds", "0"], "--seconds"),
    (["--runs", "-1"], "--runs -1"),
    (["--json", "/nonexistent-folder/b.json"], "/nonexistent-folder"),
])
def test_bad_options(monkeypatch, capsys, args, message):
    code, _, err = run_cli(monkeypatch, capsys, *args)
    one_line_error(code, err, message)


def test_missing_data_dir_named_on_the_command_line(monkeypatch, capsys, tmp_path):
    code, _, err = run_cli(monkeypatch, capsys, *TINY, "--cold-starts", "0", "--data-dir", tmp_path / "none")
    one_line_error(code, err, str(tmp_path / "none"))


def test_config_defaults_are_valid():
    cfg = BenchConfig().checked()
    assert cfg.threads[0] == 1 and cfg.batches == [1, 8, 64, 256]


# --- torch stays out unless asked -----------------------------------------------------------


def test_bench_imports_no_torch_or_onnx(tmp_path):
    code = ("import sys, json\n"
            "from mnist_edge.bench.run import BenchConfig, run_bench\n"
            "import mnist_edge.bench.view, mnist_edge.bench.profile, mnist_edge.bench.coldstart\n"
            "run_bench(BenchConfig(threads=[1], batches=[2], runs=2, warmup=1, cold_starts=1, profile=True))\n"
            "print(json.dumps(sorted(m for m in ('torch', 'onnx', 'onnxscript') if m in sys.modules)))\n")
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                           timeout=300)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == []


@pytest.mark.torch
def test_torch_row(monkeypatch, capsys, tmp_path):
    torch = pytest.importorskip("torch")
    from mnist_edge.train.checkpoint import save_checkpoint
    from mnist_edge.train.model import ARCH, ReportCNN

    torch.manual_seed(0)
    ckpt = tmp_path / "random.pt"
    save_checkpoint(ckpt, {"arch": ARCH, "model": ReportCNN().state_dict(), "epoch": 0})
    out = tmp_path / "bench.json"
    code, stdout, _ = run_cli(monkeypatch, capsys, *TINY, "--cold-starts", "0", "--torch",
                              "--checkpoint", ckpt, "--json", out)
    assert code in (0, None)
    report = json.loads(out.read_text())
    row = report["models"][-1]
    assert (row["label"], row["kind"], row["cold_start"]) == ("torch", "torch", None)
    assert row["note"].startswith("NOT the checkpoint")  # a random net, not the shipped models' source
    assert {r["model"] for r in report["results"]} == {"fp32", "int8", "torch"}
    assert "TORCH/FP32, 1 thread, batch 4" in stdout


def test_torch_row_without_torch(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    monkeypatch.delitem(sys.modules, "mnist_edge.bench.torch_row", raising=False)
    code, _, err = run_cli(monkeypatch, capsys, *TINY, "--cold-starts", "0", "--torch")
    one_line_error(code, err, "--torch", "torch==2.13.0")
