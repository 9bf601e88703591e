"""Install footprint: the runtime (base install) against the training environment, and the
peak memory of `mnist-edge predict`.

What it is: builds the project's wheel and installs it into two fresh venvs, as the README
says: "runtime" = `pip install <wheel>` (no torch), "training" = `pip install torch==2.13.0`
then `pip install '<wheel>[train]'`. For each: bytes on disk of the whole venv (apparent
size, hard links once) and of each installed distribution (its RECORD). Also the runtime as a
Raspberry Pi gets it (the aarch64 wheels, `pip install --target --platform`, nothing run),
and the peak RSS (ru_maxrss of the child process) of `mnist-edge predict artifacts/samples/`
in the runtime venv, with the default INT8 model and with FP32, median of --runs.
Target: runtime venv <= 1/10 of the training venv. Writes bench/results/footprint.json.
What it isn't: a timing (that is `mnist-edge bench`) or a Pi measurement of memory (RSS here
is x86's; the Pi's libraries differ).

Usage: python -m mnist_edge.bench.scripts.footprint [--runs 5] [--out bench/results/footprint.json]
Needs the package registry (the wheels; pip's cache makes a rerun fast) and ~2 GB in $TMPDIR.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnist_edge.bench.scripts.common import REPO, machine, run_child

from mnist_edge.contract import MODEL_FILES

TORCH = "torch==2.13.0"  # as scripts/test.sh and the README install it
MiB = 1024 * 1024
# What pip may install for a Raspberry Pi OS 64-bit (glibc 2.36) with CPython 3.11.
AARCH64 = ["--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
           "--abi", "cp311", "--platform", "manylinux2014_aarch64",
           *[a for i in range(17, 37) for a in ("--platform", f"manylinux_2_{i}_aarch64")]]
# Per-distribution sizes from each dist's RECORD, run by the venv's own Python.
DIST_SIZES = """
import json, importlib.metadata as m
out = {}
for d in m.distributions():
    total = 0
    for f in d.files or []:
        p = d.locate_file(f)
        if p.is_file():
            total += p.stat().st_size
    out[d.metadata["Name"]] = [d.version, total]
print(json.dumps(out))
"""


def run(*cmd: str, **kw) -> subprocess.CompletedProcess:
    print("+", shlex.join(map(str, cmd)), file=sys.stderr, flush=True)
    return subprocess.run(list(map(str, cmd)), check=True, **kw)


def tree_bytes(root: Path) -> int:
    """Apparent size of every regular file under root, each inode counted once."""
    seen, total = set(), 0
    for folder, _, names in os.walk(root):
        for name in names:
            st = os.lstat(os.path.join(folder, name))
            if (st.st_dev, st.st_ino) not in seen and not os.path.islink(os.path.join(folder, name)):
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def venv_report(venv: Path, seconds: float) -> dict:
    python = venv / "bin" / "python"
    dists = json.loads(run(python, "-c", DIST_SIZES, capture_output=True, text=True).stdout)
    largest = sorted(dists.items(), key=lambda kv: -kv[1][1])
    return {"venv_bytes": tree_bytes(venv), "install_s": round(seconds, 1),
            "distributions": len(dists),
            "largest": [{"name": n, "version": v, "bytes": b} for n, (v, b) in largest[:8]]}


def make_venv(folder: Path, *installs: list[str]) -> tuple[Path, float]:
    run(sys.executable, "-m", "venv", folder)
    start = time.monotonic()
    for args in installs:
        run(folder / "bin" / "python", "-m", "pip", "install", "-q", *args)
    return folder, time.monotonic() - start


def peak_rss(command: list[str], runs: int) -> dict:
    """Median and max peak RSS (bytes) of `command` run `runs` times, output discarded."""
    values = [run_child(command)[1] for _ in range(runs)]
    return {"median_bytes": int(statistics.median(values)), "max_bytes": max(values),
            "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="predict runs for the peak RSS")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "footprint.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        tmp = Path(tmp)
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "wheel", REPO)
        (wheel,) = (tmp / "wheel").glob("mnist_edge-*.whl")
        runtime, runtime_s = make_venv(tmp / "runtime", [str(wheel)])
        training, training_s = make_venv(tmp / "training", [TORCH], [f"{wheel}[train]"])
        start = time.monotonic()
        run(sys.executable, "-m", "pip", "install", "-q", "--target", tmp / "aarch64",
            *AARCH64, wheel)
        aarch64_s = time.monotonic() - start
        script = str(runtime / "bin" / "mnist-edge")
        fp32 = str(REPO / "artifacts" / MODEL_FILES["fp32"])
        report = {
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": shlex.join(["python", "-m", "mnist_edge.bench.scripts.footprint", *sys.argv[1:]]),
            "host": machine(),
            "runtime": {"install": f"pip install {wheel.name}", **venv_report(runtime, runtime_s)},
            "training": {"install": f"pip install {TORCH}; pip install '{wheel.name}[train]'",
                         **venv_report(training, training_s)},
            "runtime_aarch64": {
                "install": f"pip install --target DIR --platform manylinux_2_17..2_36_aarch64 {wheel.name}",
                "site_bytes": tree_bytes(tmp / "aarch64"), "install_s": round(aarch64_s, 1)},
            "predict_peak_rss": {
                "command": "mnist-edge predict artifacts/samples/ (10 PNGs), runtime venv",
                "int8": peak_rss([script, "predict", "artifacts/samples/"], args.runs),
                "fp32": peak_rss([script, "predict", "artifacts/samples/", "--model", fp32],
                                 args.runs)},
        }
    ratio = report["runtime"]["venv_bytes"] / report["training"]["venv_bytes"]
    report["runtime_over_training"] = round(ratio, 4)
    report["target"] = {"runtime_over_training_max": 0.1, "met": ratio <= 0.1}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    r, t = report["runtime"]["venv_bytes"], report["training"]["venv_bytes"]
    rss = report["predict_peak_rss"]
    print(f"runtime venv {r / MiB:.0f} MiB, training venv {t / MiB:.0f} MiB: {ratio:.3f} "
          f"(target <= 0.1: {'met' if ratio <= 0.1 else 'MISSED'}); aarch64 runtime site "
          f"{report['runtime_aarch64']['site_bytes'] / MiB:.0f} MiB; predict peak RSS INT8 "
          f"{rss['int8']['median_bytes'] / MiB:.0f} MiB, FP32 {rss['fp32']['median_bytes'] / MiB:.0f} MiB "
          f"-> {args.out}")


if __name__ == "__main__":
    main()
