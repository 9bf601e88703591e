"""Run the torch-free runtime on emulated Raspberry Pi CPUs and record what it did.

What it is: the orchestration behind tests/arm64 (and a tool for a person): for each CPU
(cortex-a72 = Pi 4, cortex-a76 = Pi 5) it sets up ../shared/tools/arm64-sandbox.sh (aarch64
CPython 3.11 on Debian bookworm = Raspberry Pi OS 64-bit, under qemu-user) with the project's
wheel, base install plus the [litert] and [serve] extras (no torch), then runs there, in a
folder outside the checkout:
  probe         machine, libc, versions, that torch and onnx are absent
  logits        tests/helpers/arm64_logits.py on the first --images MNIST test images
  predict-*     `mnist-edge predict artifacts/samples --json` with the FP32 and INT8 models
  eval          `mnist-edge eval --limit IMAGES --json`
  bench         `mnist-edge bench` with a tiny budget
  serve         tests/helpers/arm64_serve.py: the server started, one prediction, SIGTERM
  pytest        RUNTIME_TESTS, the torch-free tests that exercise numerics and images
and, with --floor, the logits once more on the Pi 4 CPU with the lowest onnxruntime pyproject
allows. Each step's exit code, output tail and seconds go into OUT/CPU/report.json, its outputs
beside it. CPUs run side by side (one qemu process each).
What it isn't: the comparison with x86 (tests/arm64/test_arm64.py does it) or a timing of a
Pi: emulated times say nothing about a real board.

Usage: python scripts/arm64.py --wheel W.whl --data-dir MNIST --out DIR [--cpus A72 A76]
       [--images 500] [--cache DIR] [--floor X.Y.Z] [--skip-pytest]
The sandbox's sysroot and wheels are cached in --cache (default ~/.cache/mnist-edge/arm64),
never in the checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SANDBOX = REPO.parent / "shared" / "tools" / "arm64-sandbox.sh"
LOGITS_SCRIPT = REPO / "tests" / "helpers" / "arm64_logits.py"
SERVE_SCRIPT = REPO / "tests" / "helpers" / "arm64_serve.py"
CPUS = ("cortex-a72", "cortex-a76")
EXTRAS = ("litert", "serve")  # installed beside the base install, as a Pi user would
# Torch-free tests that exercise what differs on ARM: the API end to end (decoding, the photo
# preprocessing, the session) and both backends. The rest of tests/core checks plumbing that is
# the same on any CPU (and the predict CLI is compared with x86 above); under emulation each
# test costs 10-20x its x86 time.
RUNTIME_TESTS = ("tests/core/test_api.py", "tests/core/test_backends.py")
# Runs the installed wheel's console script (as `mnist-edge` would) inside the emulator.
CLI = ("import sys; from importlib.metadata import entry_points; "
       "(ep,) = entry_points(group='console_scripts', name='mnist-edge'); "
       "sys.argv[0] = 'mnist-edge'; sys.exit(ep.load()())")
PROBE = ("import importlib.util as u, json, platform, onnxruntime, mnist_edge; "
         "print(json.dumps({'machine': platform.machine(), 'libc': platform.libc_ver(), "
         "'onnxruntime': onnxruntime.__version__, 'package': mnist_edge.__file__, "
         "'torch': bool(u.find_spec('torch')), 'onnx': bool(u.find_spec('onnx')), "
         "'litert': bool(u.find_spec('ai_edge_litert')), "
         "'cpuinfo': open('/proc/cpuinfo').read().splitlines()[-1]}))")


def host_env(**extra: str) -> dict[str, str]:
    # MNIST_EDGE_DATA_DIR too: each step that reads MNIST is given it explicitly
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "MNIST_EDGE_DATA_DIR")}
    return {**env, **extra}


class Sandbox:
    """One emulated CPU with its own cache folder; run() records every step in `report`."""

    def __init__(self, cpu: str, cache: Path, specs: list[str], out: Path, env: dict[str, str],
                 port: int = 0):
        self.cpu, self.cache, self.specs, self.out, self.env = cpu, cache, specs, out, env
        self.port = port  # for the serve step
        self.report: dict = {"cpu": cpu, "steps": {}}
        out.mkdir(parents=True, exist_ok=True)

    def base(self) -> list[str]:
        return ["sh", str(SANDBOX), "-C", str(self.cache), "--cpu", self.cpu, *self.specs]

    def setup(self) -> bool:
        """Build (or check) the sysroot and site; put `mnist-edge` beside its interpreter."""
        step = self.step("setup", self.base(), timeout=1800)
        if step["returncode"] != 0:
            return False
        # Tests run `<folder of sys.executable>/mnist-edge`, as in a venv.
        script = Path(step["stdout_tail"].strip().splitlines()[-1]).with_name("mnist-edge")
        script.write_text(f'#!/bin/sh\n# written by scripts/arm64.py\n'
                          f'exec "$(dirname "$0")/python3.11" -P -c "{CLI}" "$@"\n')
        script.chmod(0o755)
        return True

    def python(self, label: str, *args: str, timeout: float = 1200, **env: str) -> dict:
        # -P: the wheel's mnist_edge, never one from the current folder.
        return self.step(label, [*self.base(), "--", "-P", *args], timeout=timeout, **env)

    def cli(self, label: str, *args: str, timeout: float = 1200) -> dict:
        return self.python(label, "-c", CLI, *args, timeout=timeout)

    def step(self, label: str, command: list[str], timeout: float, **env: str) -> dict:
        start = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  cwd=self.out, env={**self.env, **env})
            code, stdout, stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as e:
            code, stdout, stderr = "timeout", str(e.stdout or ""), f"timed out after {timeout} s"
        (self.out / f"{label}.out").write_text(stdout)
        step = {"returncode": code, "seconds": round(time.monotonic() - start, 1),
                "stdout_tail": stdout[-4000:], "stderr_tail": stderr[-4000:]}
        self.report["steps"][label] = step
        return step


def share_site(source: Path, target: Path) -> None:
    """Give `target` the CPU-independent sysroot, site and wheel cache of `source` (copies,
    never links: the sandbox rewrites files in root/ when the CPU changes)."""
    stamps = ("root/.stamp", "site/.stamp")
    if not all((source / s).is_file() for s in stamps) or all(
            (target / s).is_file() and (target / s).read_bytes() == (source / s).read_bytes()
            for s in stamps):
        return
    for name in ("root", "site", "wheels"):
        shutil.rmtree(target / name, ignore_errors=True)
        if (source / name).exists():
            shutil.copytree(source / name, target / name, symlinks=True)


def run_cpu(box: Sandbox, args: argparse.Namespace, images: Path) -> None:
    """Every check of the module docstring on one CPU, in order; stops after a failed setup."""
    if not box.setup():
        return
    box.python("probe", "-c", PROBE)
    box.python("logits", str(LOGITS_SCRIPT), str(images), str(box.out / "logits"))
    samples = REPO / "artifacts" / "samples"
    for precision, name in (("fp32", "mnist_cnn.onnx"), ("int8", "mnist_cnn.int8.onnx")):
        box.cli(f"predict-{precision}", "predict", str(samples), "--model",
                str(REPO / "artifacts" / name), "--top-k", "3", "--json")
    box.cli("eval", "eval", "--data-dir", str(args.data_dir), "--limit", str(args.images), "--json")
    # Random pixels (no --data-dir): with the MNIST files bench would also measure every row's
    # accuracy on 10,000 images, minutes under emulation; eval and the logits above cover it.
    box.cli("bench", "bench", "--threads", "1,4", "--batch", "1,64", "--runs", "3", "--warmup",
            "1", "--cold-starts", "1", "--json", str(box.out / "bench.json"))
    box.python("serve", str(SERVE_SCRIPT), str(samples / "digit_7_idx0.png"), str(box.port))
    if not args.skip_pytest:
        tests = [str(REPO / t) for t in RUNTIME_TESTS]
        box.python("pytest", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                   f"--basetemp={box.out / 'pytest-tmp'}", "--durations=5", *tests,
                   timeout=2400, MNIST_EDGE_DATA_DIR=str(args.data_dir))


def run_floor(first: Path, args: argparse.Namespace, images: Path, specs: list[str]) -> None:
    """The logits on the Pi 4's CPU with onnxruntime pinned to pyproject's floor."""
    cache = args.cache / "floor-cortex-a72"
    share_site(first, cache)  # the sysroot; the site is rebuilt with the pin
    env = host_env(ARM64_PKGS=f"onnxruntime=={args.floor} numpy pillow")
    box = Sandbox("cortex-a72", cache, specs, args.out / "floor-cortex-a72", env)
    if box.setup():
        box.python("probe", "-c", PROBE)
        box.python("logits", str(LOGITS_SCRIPT), str(images), str(box.out / "logits"))
    (box.out / "report.json").write_text(json.dumps(box.report, indent=2))


def extra_requirements() -> list[str]:
    """The requirements of EXTRAS, as pyproject.toml declares them (the sandbox's pip resolves
    a wheel's extras from the index, not from a local file, so they are passed one by one)."""
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    # markers dropped: the sandbox splits specs at spaces, and the only ones here exclude Windows
    return [req.split(";")[0].replace(" ", "") for name in EXTRAS for req in extras[name]]


def subset(data_dir: Path, count: int, out: Path) -> Path:
    """The first `count` MNIST test images as (N, 28, 28) uint8 .npy, the set both sides run."""
    import gzip

    import numpy as np

    raw = gzip.decompress((data_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[:count]
    path = out / "images.npy"
    np.save(path, images)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cpus", nargs="+", default=list(CPUS))
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--cache", type=Path, default=Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mnist-edge" / "arm64")
    parser.add_argument("--floor", help="also run the logits with this onnxruntime on cortex-a72")
    parser.add_argument("--skip-pytest", action="store_true")
    parser.add_argument("--port", type=int, default=8765, help="the first CPU's server port; "
                        "each further CPU takes the next")
    args = parser.parse_args(argv)
    if not SANDBOX.is_file():
        print(f"{SANDBOX}: the arm64 sandbox script is missing", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    images = subset(args.data_dir, args.images, args.out)
    specs = ["-w", str(args.wheel.resolve())]
    for pkg in ["pytest", *extra_requirements()]:
        specs += ["-w", pkg]
    env = host_env(MNIST_EDGE_CACHE_DIR=str(args.out / "mnist-edge-cache"))  # never download
    boxes = [Sandbox(cpu, args.cache / cpu, specs, args.out / cpu, env, port=args.port + i)
             for i, cpu in enumerate(args.cpus)]
    boxes[0].setup()  # the first builds the sysroot and site, the others copy them
    for box in boxes[1:]:
        share_site(boxes[0].cache, box.cache)
    with ThreadPoolExecutor(len(boxes) + 1) as pool:
        jobs = [pool.submit(run_cpu, box, args, images) for box in boxes]
        if args.floor:
            jobs.append(pool.submit(run_floor, boxes[0].cache, args, images, specs))
        for job in jobs:
            job.result()
    for box in boxes:
        (box.out / "report.json").write_text(json.dumps(box.report, indent=2))
        print(box.cpu, {k: (s["returncode"], s["seconds"]) for k, s in box.report["steps"].items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
