"""The runtime on linux/aarch64 (Raspberry Pi 4 and 5 CPUs), emulated, against x86.

scripts/arm64.py runs everything emulated once per session (see its docstring; started at
collection by helpers.emulation, so that it runs beside the other tests) and records it;
these tests compare that record with the same wheel on x86: FP32 logits within 1e-5 and the
same digits on every image for every shipped model (ONNX on onnxruntime, TFLite on LiteRT),
predict and eval output alike, bench, the server and the torch-free runtime tests working, and the lowest
onnxruntime pyproject allows working on the Pi 4's CPU (1.21.0 dies there with SIGILL).
Without the sandbox script (or MNIST) these tests skip; in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import emulation
from helpers.clirun import REPO
from helpers.emulation import IMAGES, SANDBOX, onnxruntime_floor

LOGITS_SCRIPT = REPO / "tests" / "helpers" / "arm64_logits.py"
CPUS = ("cortex-a72", "cortex-a76")  # Raspberry Pi 4, Raspberry Pi 5
FP32_ATOL = 1e-5
SHIPPED = {"mnist_cnn.onnx", "mnist_cnn.int8.onnx", "mnist_cnn.tflite", "mnist_cnn.int8.tflite"}


@pytest.fixture(scope="session")
def emulated(mnist_dir) -> Path:
    """scripts/arm64.py's output folder (helpers.emulation started it at collection):
    OUT/<cpu>/report.json and what each step wrote."""
    if not SANDBOX.is_file():
        message = f"arm64 sandbox not found at {SANDBOX}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the arm64 checks)")
        pytest.skip(message)
    return emulation.result(mnist_dir)


def report(out: Path, cpu: str) -> dict:
    return json.loads((out / cpu / "report.json").read_text())


def passed(out: Path, cpu: str, step: str) -> dict:
    """The step's record, after checking that it ran and exited 0."""
    steps = report(out, cpu)["steps"]
    assert "setup" in steps and steps["setup"]["returncode"] == 0, steps.get("setup")
    record = steps[step]
    assert record["returncode"] == 0, f"{cpu} {step}: {record['stderr_tail']}\n{record['stdout_tail']}"
    return record


def logits_in(folder: Path) -> dict[str, np.ndarray]:
    return {p.name.removesuffix(".npy"): np.load(p) for p in sorted(folder.glob("*.*.npy"))}


@pytest.fixture(scope="session")
def x86_logits(emulated) -> dict[str, np.ndarray]:
    out = emulated / "x86-logits"
    subprocess.run([sys.executable, str(LOGITS_SCRIPT), str(emulated / "images.npy"), str(out)],
                   check=True, timeout=600)
    return logits_in(out)


def x86_cli(runtime_venv: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(runtime_venv / "mnist-edge"), *args], capture_output=True,
                          text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return done


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("cpu", CPUS)
def test_platform_is_pi_os_64bit_without_torch(emulated, cpu):
    info = json.loads(passed(emulated, cpu, "probe")["stdout_tail"])
    assert info["machine"] == "aarch64"
    assert info["libc"] == ["glibc", "2.36"]  # Debian 12 bookworm, as Raspberry Pi OS
    assert cpu in info["cpuinfo"]
    assert "/site/mnist_edge/" in info["package"], "mnist_edge must come from the installed wheel"
    assert not info["torch"] and not info["onnx"], "the runtime must not pull torch or onnx"
    assert info["litert"]


def compare_logits(folder: Path, x86: dict[str, np.ndarray], expected: set[str]) -> None:
    """FP32 within FP32_ATOL, and the same digit on every image for every model."""
    arm = logits_in(folder)
    assert set(arm) == expected and set(x86) >= expected
    problems = []
    for name in sorted(expected):
        assert arm[name].shape == x86[name].shape == (IMAGES, 10)
        if ".int8." not in name:
            diff = float(np.abs(arm[name] - x86[name]).max())
            assert diff <= FP32_ATOL, f"{name}: FP32 logits differ from x86 by {diff:.3g}"
        differ = np.flatnonzero(arm[name].argmax(1) != x86[name].argmax(1))
        problems += [f"{name}: test image {i} is {x86[name][i].argmax()} on x86 but "
                     f"{arm[name][i].argmax()} emulated" for i in differ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("cpu", CPUS)
def test_logits_match_x86_on_every_backend(emulated, x86_logits, cpu):
    passed(emulated, cpu, "logits")
    compare_logits(emulated / cpu / "logits", x86_logits, SHIPPED)


def test_lowest_allowed_onnxruntime_works_on_pi4(emulated, x86_logits):
    floor = onnxruntime_floor()
    passed(emulated, "floor-cortex-a72", "logits")
    folder = emulated / "floor-cortex-a72" / "logits"
    assert json.loads((folder / "versions.json").read_text())["onnxruntime"].startswith(floor)
    compare_logits(folder, x86_logits, SHIPPED)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
@pytest.mark.parametrize("cpu", CPUS)
def test_predict_samples_match_x86(emulated, runtime_venv, cpu, precision):
    passed(emulated, cpu, f"predict-{precision}")
    arm_out = json_lines((emulated / cpu / f"predict-{precision}.out").read_text())
    model = "mnist_cnn.onnx" if precision == "fp32" else "mnist_cnn.int8.onnx"
    x86_out = json_lines(x86_cli(runtime_venv, "predict", str(REPO / "artifacts" / "samples"),
                                 "--model", str(REPO / "artifacts" / model), "--top-k", "3",
                                 "--json").stdout)
    assert len(arm_out) == len(x86_out) >= 10  # one line per sample digit
    for a, x in zip(arm_out, x86_out):
        assert (a["file"], a["digit"]) == (x["file"], x["digit"])
        assert a["probability"] == pytest.approx(x["probability"], abs=1e-4)


@pytest.mark.parametrize("cpu", CPUS)
def test_eval_matches_x86(emulated, runtime_venv, mnist_dir, cpu):
    passed(emulated, cpu, "eval")
    arm_eval = json.loads((emulated / cpu / "eval.out").read_text())
    x86_eval = json.loads(x86_cli(runtime_venv, "eval", "--data-dir", str(mnist_dir), "--limit",
                                  str(IMAGES), "--json").stdout)
    assert arm_eval["images"] == x86_eval["images"] == IMAGES
    for a, x in zip(arm_eval["models"], x86_eval["models"], strict=True):
        assert a["model"] == x["model"]
        assert a["confusion"] == x["confusion"], f"{a['model']}: ARM and x86 confusion matrices differ"


@pytest.mark.parametrize("cpu", CPUS)
def test_bench_runs_with_a_tiny_budget(emulated, cpu):
    passed(emulated, cpu, "bench")
    bench = json.loads((emulated / cpu / "bench.json").read_text())
    assert bench["system"]["machine"] == "aarch64"
    assert bench["results"]
    assert {m["kind"] for m in bench["models"]} == {"onnxruntime", "litert"}  # both runtimes side by side
    flags = bench["system"].get("cpu_flags") or {}
    if "asimddp" in flags:  # the Pi 5's Cortex-A76 has the dot product, the Pi 4's A72 not
        assert flags["asimddp"] is (cpu == "cortex-a76")


@pytest.mark.parametrize("cpu", CPUS)
def test_runtime_tests_pass_emulated(emulated, cpu):
    record = passed(emulated, cpu, "pytest")
    assert " passed" in record["stdout_tail"] and " failed" not in record["stdout_tail"]


@pytest.mark.parametrize("cpu", CPUS)
def test_server_answers_emulated(emulated, cpu):
    """`mnist-edge serve` started on the emulated Pi answers a prediction and stops on SIGTERM."""
    record = passed(emulated, cpu, "serve")
    result = json.loads(record["stdout_tail"].strip().splitlines()[-1])
    (answer,) = result["response"]["results"]
    assert answer["digit"] == 7 and answer["probability"] > 0.5
    assert result["exit_code"] in (0, -15)  # uvicorn re-raises SIGTERM after its clean shutdown
    assert result["finished"] and not result["traceback"]
