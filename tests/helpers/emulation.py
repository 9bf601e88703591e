"""scripts/arm64.py started in the background as soon as the arm64 tests are collected.

What it is: the emulated runs take minutes of two qemu processes; started at collection
(tests/arm64/conftest.py), they go on beside every other test, and the arm64 tests, ordered
last, only wait for their record. start() builds the wheel and starts the script; result()
waits for it and returns its output folder. Without a start (a run of tests/arm64 alone that
the conftest did not start, say), result() runs the script in the foreground.
What it isn't: the checks (tests/arm64/test_arm64.py) or the emulation (scripts/arm64.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.wheel import REPO, build_wheel

SCRIPT = REPO / "scripts" / "arm64.py"
SANDBOX = REPO.parent / "shared" / "tools" / "arm64-sandbox.sh"
IMAGES = 500  # test images both sides run: every image the same digit, FP32 within 1e-5
TIMEOUT_S = 3600
_running: dict = {}  # "process", "out", "log"


def onnxruntime_floor() -> str:
    """The lowest onnxruntime the project allows (pyproject's `onnxruntime>=X`), as X."""
    text = (REPO / "pyproject.toml").read_text()
    return re.search(r'"onnxruntime>=([\d.]+)"', text).group(1)


def start(mnist_dir: Path) -> None:
    """Build the wheel and start scripts/arm64.py on it, output in a new temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="mnist-edge-arm64-"))
    wheel = build_wheel(out / "build")
    log = open(out / "script.log", "w")
    command = [sys.executable, str(SCRIPT), "--wheel", str(wheel), "--data-dir", str(mnist_dir),
               "--out", str(out / "runs"), "--images", str(IMAGES), "--floor", onnxruntime_floor()]
    _running.update(process=subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT),
                    out=out, log=log)


def result(mnist_dir: Path) -> Path:
    """Wait for the started run (or run it now); its output folder. AssertionError if it failed."""
    if not _running:
        start(mnist_dir)
    process, out = _running["process"], _running["out"]
    try:
        code = process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"scripts/arm64.py still running after {TIMEOUT_S} s") from None
    _running["log"].close()
    assert code == 0, (out / "script.log").read_text()[-3000:]
    return out / "runs"


def stop(passed: bool) -> None:
    """At the session's end: kill a run nobody waited for; remove the folder of a passed run."""
    if not _running:
        return
    if _running["process"].poll() is None:
        _running["process"].kill()
        _running["process"].wait()
    _running["log"].close()
    if passed:
        shutil.rmtree(_running["out"], ignore_errors=True)
