"""The runtime on linux/aarch64 (Raspberry Pi 4 and 5 CPUs), emulated with qemu-user.

What it is: for each CPU (cortex-a72 = Pi 4, cortex-a76 = Pi 5), ../shared/tools/arm64-sandbox.sh
(aarch64 CPython 3.11 on Debian bookworm = Raspberry Pi OS 64-bit) with the project's wheel,
base install only (no torch), from aarch64 wheels, set up once per session. There:
`mnist-edge predict` on artifacts/samples/, `mnist-edge eval` and the models' logits on the
first IMAGES MNIST test images, `mnist-edge bench` with a tiny budget, and the torch-free test
files (all but NOT_RUNTIME_TESTS, not slow) in the background. Compared with the same wheel on
x86 (runtime_venv): FP32 logits within 1e-5 and the same digits, INT8 the same digits (images
that differ are named and saved as PNGs), predict and eval output alike. Once more on the
Pi 4 CPU with the lowest onnxruntime pyproject allows (1.21.0 dies there with SIGILL).
What it isn't: a timing of the Pi. Emulated times say nothing about a real board.

Sysroot and site are CPU-independent; only qemu's -cpu and the fake /proc/cpuinfo differ, and
the sandbox keeps those inside its cache dir. So each CPU gets its own cache dir, the second a
copy of the first's site (no second download), and both CPUs' test groups run at once.
Env: MNIST_EDGE_ARM64_SANDBOX (the script), MNIST_EDGE_ARM64_CACHE (cache dirs, default
build/arm64-sandbox), MNIST_EDGE_ARM64_IMAGES (default 1000), MNIST_EDGE_ARM64_CPUS.
Without the script (or qemu, or MNIST) these tests skip; in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SANDBOX = Path(os.environ.get("MNIST_EDGE_ARM64_SANDBOX")
               or REPO.parent / "shared" / "tools" / "arm64-sandbox.sh")
CACHE = Path(os.environ.get("MNIST_EDGE_ARM64_CACHE") or REPO / "build" / "arm64-sandbox")
IMAGES = int(os.environ.get("MNIST_EDGE_ARM64_IMAGES") or 1000)
# cortex-a72 = Raspberry Pi 4, cortex-a76 = Raspberry Pi 5 (dot-product instructions).
CPUS = (os.environ.get("MNIST_EDGE_ARM64_CPUS") or "cortex-a72 cortex-a76").split()
LOGITS_SCRIPT = REPO / "tests" / "helpers" / "arm64_logits.py"
FP32_ATOL = 1e-5
GROUP_TIMEOUT_S = 1800
# The torch-free tests run again under emulation: every test file but these (torch or onnx,
# venvs built from the registry, this file), minus tests marked slow.
NOT_RUNTIME_TESTS = {"test_train.py", "test_export.py", "test_int8_graph.py",
                     "test_torch_free_venv.py", "test_arm64.py"}
# ...and minus: the full 10,000-image accuracy (slow here; the logits comparison below covers
# ARM accuracy), and a test that expects the editable checkout's artifacts/ path, not an
# installed wheel's.
RUNTIME_DESELECT = "not accuracy_matches_card and not info_text_defaults_to_the_shipped_int8_model"
# Runs a console script of the installed wheel (as `mnist-edge` would) inside the emulator.
CLI = ("import sys; from importlib.metadata import entry_points; "
       "(ep,) = entry_points(group='console_scripts', name='mnist-edge'); "
       "sys.argv[0] = 'mnist-edge'; sys.exit(ep.load()())")

pytestmark = [pytest.mark.arm64, pytest.mark.slow]


def unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must run the arm64 checks)")
    pytest.skip(message)


@dataclass
class Arm:
    """One emulated CPU in its own cache dir: run(label, python args) -> CompletedProcess."""

    cpu: str
    cache: Path
    specs: list[str]
    env: dict[str, str]
    seconds: dict[str, float] = field(default_factory=dict)
    group: subprocess.Popen | None = None  # the runtime test group, running in the background
    group_log: Path | None = None
    group_started: float = 0.0

    def command(self, *args: str) -> list[str]:
        # -P: never import the checkout's mnist_edge from the current folder, only the wheel.
        return ["sh", str(SANDBOX), "-C", str(self.cache), "--cpu", self.cpu, *self.specs,
                "--", "-P", *args]

    def run(self, label: str, *args: str, timeout: float = 900, cwd: Path = REPO):
        start = time.monotonic()
        result = subprocess.run(self.command(*args), capture_output=True, text=True,
                                timeout=timeout, cwd=cwd, env=self.env)
        self.seconds[label] = round(time.monotonic() - start, 1)
        return result

    def cli(self, label: str, *args: str, **kw):
        return self.run(label, "-c", CLI, *args, **kw)

    def setup(self) -> None:
        """Set up (or check) the sandbox and put a `mnist-edge` beside its interpreter."""
        start = time.monotonic()
        done = subprocess.run(["sh", str(SANDBOX), "-C", str(self.cache), "--cpu", self.cpu,
                               *self.specs], capture_output=True, text=True, timeout=1800,
                              env=self.env)
        self.seconds["setup"] = round(time.monotonic() - start, 1)
        if done.returncode != 0:
            unavailable(f"arm64 sandbox setup failed ({self.cpu}): {done.stderr.strip()[-2000:]}")
        # Tests run `<folder of sys.executable>/mnist-edge`, as in a venv; the scripts that
        # pip --target wrote into the site's bin/ start the host's x86 Python instead.
        script = Path(done.stdout.strip().splitlines()[-1]).with_name("mnist-edge")
        script.write_text(f'#!/bin/sh\n# written by tests/test_arm64.py\n'
                          f'exec "$(dirname "$0")/python3.11" -P -c "{CLI}" "$@"\n')
        script.chmod(0o755)


def host_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}


def share_site(source: Path, target: Path) -> None:
    """Give `target` the CPU-independent sysroot and site of `source` (a copy, never links:
    the sandbox rewrites files in root/ when the CPU changes)."""
    stamps = ("root/.stamp", "site/.stamp")
    if all((target / s).is_file() and (target / s).read_bytes() == (source / s).read_bytes()
           for s in stamps):
        return
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["rm", "-rf", str(target / "root"), str(target / "site")], check=True)
    subprocess.run(["cp", "-a", str(source / "root"), str(source / "site"), str(target)], check=True)


@pytest.fixture(scope="session")
def sandbox_script() -> Path:
    """The sandbox script; skips (fails in CI) before anything is built when it is absent."""
    if not SANDBOX.is_file():
        unavailable(f"arm64 sandbox not found at {SANDBOX} (set MNIST_EDGE_ARM64_SANDBOX)")
    return SANDBOX


@pytest.fixture(scope="session")
def sandboxes(request, sandbox_script, project_wheel, mnist_dir, tmp_path_factory) -> dict[str, Arm]:
    """Both CPUs set up once per session, their runtime test groups started in the background.

    The site and sysroot are identical for both CPUs (only qemu's -cpu and the fake
    /proc/cpuinfo differ), so the first CPU's are copied for the others; each CPU has its own
    cache dir only so that both can run at the same time on CI's two cores.
    """
    env = host_env()
    env["MNIST_EDGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("arm-cache"))  # never download
    specs = ["-w", str(project_wheel), "-w", "pytest"]
    arms = {cpu: Arm(cpu, CACHE / cpu, specs, dict(env)) for cpu in CPUS}
    first = arms[CPUS[0]]
    for arm in arms.values():
        if arm is not first:
            share_site(first.cache, arm.cache)
        arm.setup()
    if any(getattr(item, "originalname", "") == "test_runtime_tests_pass_emulated"
           for item in request.session.items):  # not for a run that deselected them
        for arm in arms.values():
            start_runtime_group(arm, mnist_dir, tmp_path_factory.mktemp(f"arm64-pytest-{arm.cpu}"))
    yield arms
    for arm in arms.values():
        if arm.group and arm.group.poll() is None:
            os.killpg(arm.group.pid, signal.SIGKILL)
        print(f"\narm64 {arm.cpu}: {json.dumps(arm.seconds)} s")


@pytest.fixture(scope="session", params=CPUS)
def arm(request, sandboxes) -> Arm:
    return sandboxes[request.param]


@pytest.fixture(scope="session")
def subset(mnist_dir, tmp_path_factory) -> dict:
    """The first IMAGES MNIST test images (uint8 .npy) and labels, the set both sides run."""
    from mnist_edge.data.mnist import load_split

    test = load_split("test", mnist_dir)
    folder = tmp_path_factory.mktemp("arm64-subset")
    np.save(folder / "images.npy", test.images[:IMAGES])
    return {"images": folder / "images.npy", "labels": test.labels[:IMAGES].astype(np.int64),
            "data_dir": mnist_dir}


def logits_from(folder: Path) -> dict[str, np.ndarray]:
    return {p.name.removesuffix(".npy"): np.load(p) for p in sorted(folder.glob("*.onnx.npy"))}


@pytest.fixture(scope="session")
def x86_logits(runtime_venv, subset, tmp_path_factory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("x86-logits")
    subprocess.run([str(runtime_venv / "python"), str(LOGITS_SCRIPT), str(subset["images"]),
                    str(out)], check=True, timeout=600, env=host_env())
    return logits_from(out)


def x86_cli(runtime_venv, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(runtime_venv / "mnist-edge"), *args], capture_output=True,
                          text=True, timeout=600, cwd=REPO, env=host_env())


def has_command(name: str) -> bool:
    from mnist_edge.cli.app import app

    return any((c.name or c.callback.__name__) == name for c in app.registered_commands)


def needs_command(name: str) -> None:
    if not has_command(name):
        unavailable(f"`mnist-edge {name}` does not exist in this checkout yet")


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_platform_is_pi_os_64bit_without_torch(arm):
    probe = ok(arm.run("probe", "-c", (
        "import importlib.util as u, json, platform, onnxruntime, mnist_edge; "
        "print(json.dumps({'machine': platform.machine(), 'libc': platform.libc_ver(), "
        "'ort': onnxruntime.__version__, 'pkg': mnist_edge.__file__, "
        "'torch': bool(u.find_spec('torch')), 'onnx': bool(u.find_spec('onnx')), "
        "'cpu': open('/proc/cpuinfo').read().splitlines()[-1]}))")))
    info = json.loads(probe.stdout)
    assert info["machine"] == "aarch64"
    assert info["libc"] == ["glibc", "2.36"]  # Debian 12 bookworm, as Raspberry Pi OS
    assert arm.cpu in info["cpu"]
    assert str(arm.cache.resolve()) in info["pkg"], "mnist_edge must come from the installed wheel"
    assert not info["torch"] and not info["onnx"], "the base install must not pull torch or onnx"


def test_logits_match_x86(arm, subset, x86_logits, tmp_path_factory):
    compare_with_x86(arm, subset, x86_logits, tmp_path_factory.mktemp(f"arm64-logits-{arm.cpu}"))


def onnxruntime_floor() -> str:
    """The lowest onnxruntime the project allows (pyproject's `onnxruntime>=X`), as X."""
    from importlib.metadata import requires

    (floor,) = [m[1] for r in requires("mnist-edge") or []
                if (m := re.fullmatch(r"onnxruntime\s*>=\s*([\d.]+)", r.strip()))]
    return floor


def test_lowest_allowed_onnxruntime_works_on_pi4(sandboxes, subset, x86_logits, tmp_path_factory):
    """pyproject's onnxruntime floor, not only the newest release, on the Pi 4's Cortex-A72
    (onnxruntime 1.21.0 dies there with SIGILL at import; emulated -cpu cortex-a72 shows it)."""
    floor = onnxruntime_floor()
    first = sandboxes[CPUS[0]]
    arm = Arm("cortex-a72", CACHE / "floor-cortex-a72", first.specs,
              {**first.env, "ARM64_PKGS": f"onnxruntime=={floor} numpy pillow"})
    share_site(first.cache, arm.cache)  # the sysroot; the site is rebuilt with the pin
    arm.setup()
    summary = compare_with_x86(arm, subset, x86_logits, tmp_path_factory.mktemp("arm64-floor"))
    assert summary["versions"]["onnxruntime"].startswith(floor)


def compare_with_x86(arm: Arm, subset: dict, x86_logits: dict, out: Path) -> dict:
    """Both models' logits on the subset, emulated, against x86: FP32 within FP32_ATOL and the
    same digit for every image in both models (PNGs of any image that differs land in out)."""
    ok(arm.run("logits", str(LOGITS_SCRIPT), str(subset["images"]), str(out)))
    arm_logits = logits_from(out)
    assert set(arm_logits) == set(x86_logits) == {"mnist_cnn.onnx", "mnist_cnn.int8.onnx"}
    labels = subset["labels"]
    summary = {"cpu": arm.cpu, "images": len(labels),
               "versions": json.loads((out / "versions.json").read_text())}
    for name, arm_l in arm_logits.items():
        x86_l = x86_logits[name]
        assert arm_l.shape == x86_l.shape == (len(labels), 10)
        differ = np.flatnonzero(arm_l.argmax(1) != x86_l.argmax(1))
        summary[name] = {"max_abs_diff": float(np.abs(arm_l - x86_l).max()),
                         "differing_predictions": differ.tolist(),
                         "arm_accuracy": float(np.mean(arm_l.argmax(1) == labels)),
                         "x86_accuracy": float(np.mean(x86_l.argmax(1) == labels))}
        if len(differ):
            save_differing(out, name, differ, subset, x86_l, arm_l)
    (out / "comparison.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary))
    fp32 = summary["mnist_cnn.onnx"]
    assert fp32["max_abs_diff"] <= FP32_ATOL, f"FP32 logits differ from x86 by {fp32['max_abs_diff']:.3g}"
    problems = [f"{name}: test image {i} (label {labels[i]}) is {int(x86_logits[name][i].argmax())} on x86 "
                f"but {int(arm_logits[name][i].argmax())} on {arm.cpu}"
                for name in arm_logits for i in summary[name]["differing_predictions"]]
    assert not problems, "\n".join(problems) + f"\n(images saved in {out})"
    return summary


def save_differing(out: Path, name: str, differ, subset, x86_l, arm_l) -> None:
    """Each image the two platforms disagree on, as a PNG named by its test-set index."""
    from PIL import Image

    images = np.load(subset["images"])
    for i in differ:
        Image.fromarray(images[i]).save(
            out / f"{name}-test{i}-x86_{x86_l[i].argmax()}-arm_{arm_l[i].argmax()}.png")


def predict_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_predict_samples_match_x86(arm, runtime_venv, precision):
    needs_command("predict")
    model = REPO / "artifacts" / ("mnist_cnn.onnx" if precision == "fp32" else "mnist_cnn.int8.onnx")
    args = ("predict", "artifacts/samples/", "--model", str(model), "--top-k", "3", "--json")
    arm_out = predict_lines(ok(arm.cli(f"predict-{precision}", *args)).stdout)
    x86_out = predict_lines(ok(x86_cli(runtime_venv, *args)).stdout)
    assert len(arm_out) == len(x86_out) >= 10  # one line per sample digit
    for a, x in zip(arm_out, x86_out):
        assert (a["file"], a["digit"]) == (x["file"], x["digit"])
        assert a["probability"] == pytest.approx(x["probability"], abs=1e-4)


def test_eval_matches_x86(arm, runtime_venv, subset):
    needs_command("eval")
    args = ("eval", "--data-dir", str(subset["data_dir"]), "--limit", str(IMAGES), "--json")
    arm_eval = json.loads(ok(arm.cli("eval", *args)).stdout)
    x86_eval = json.loads(ok(x86_cli(runtime_venv, *args)).stdout)
    assert arm_eval["images"] == x86_eval["images"] == IMAGES
    for a, x in zip(arm_eval["models"], x86_eval["models"], strict=True):
        assert a["model"] == x["model"]
        assert a["confusion"] == x["confusion"], f"{a['model']}: ARM and x86 confusion matrices differ"


def test_bench_runs_with_a_tiny_budget(arm, subset, tmp_path_factory):
    needs_command("bench")
    out = tmp_path_factory.mktemp(f"arm64-bench-{arm.cpu}") / "bench.json"
    ok(arm.cli("bench", "bench", "--threads", "1,4", "--batch", "1,64", "--runs", "3",
               "--warmup", "1", "--cold-starts", "1", "--data-dir", str(subset["data_dir"]),
               "--json", str(out)))
    report = json.loads(out.read_text())
    assert report["system"]["machine"] == "aarch64"
    assert report["results"]
    flags = report["system"].get("cpu_flags") or {}
    if "asimddp" in flags:  # the Pi 5's Cortex-A76 has the dot product, the Pi 4's A72 not
        assert flags["asimddp"] is (arm.cpu == "cortex-a76")


def start_runtime_group(arm: Arm, mnist_dir: Path, basetemp: Path) -> None:
    """Start the torch-free test files under emulation, in the background (see below)."""
    files = [str(p) for p in sorted((REPO / "tests").glob("test_*.py"))
             if p.name not in NOT_RUNTIME_TESTS]
    arm.group_log = basetemp / "pytest.log"
    # cwd outside the checkout: no subprocess may import mnist_edge from the sources.
    command = arm.command("-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                          "-k", RUNTIME_DESELECT, f"--basetemp={basetemp / 't'}",
                          "--durations=5", *files)
    with open(arm.group_log, "w") as log:
        arm.group = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=basetemp,
                                     env={**arm.env, "MNIST_EDGE_DATA_DIR": str(mnist_dir)},
                                     start_new_session=True)
    arm.group_started = time.monotonic()


def test_runtime_tests_pass_emulated(arm):
    try:
        code = arm.group.wait(timeout=GROUP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(arm.group.pid, signal.SIGKILL)
        pytest.fail(f"{arm.cpu}: runtime tests still running after {GROUP_TIMEOUT_S} s ({arm.group_log})")
    arm.seconds["runtime-tests"] = round(time.monotonic() - arm.group_started, 1)
    output = arm.group_log.read_text()
    print(f"\n{arm.cpu} runtime tests: {output.strip().splitlines()[-1:]}")
    assert code == 0, output[-6000:]
    assert " passed" in output, output[-6000:]
