"""Start-up cost of `mnist-edge predict digit.png` against a bare import of its three libraries.

What it is: runs, alternately and many times, the whole process `mnist-edge predict digit.png`
and the baseline `python -c "import onnxruntime, numpy, PIL.Image"` (and, for reference, the
baseline plus `import typer`, and the baseline plus an onnxruntime session over the shipped
model running one image: the floor no CLI can go below), each child's wall time and peak RSS taken from os.wait4, and
writes the medians and their ratios to bench/results/startup.json (atomically). Targets:
wall <= 1.4x and peak RSS <= 1.2x of the baseline. The machine may be shared and noisy:
the runs alternate (ABC, CBA, ...) so drift hits all variants alike, and medians are reported.
What it isn't: a timed test (the tests never assert timings) or a latency benchmark of the
model itself (`mnist-edge bench`).

    python -m mnist_edge.bench.scripts.startup [--runs 30] [--image artifacts/samples/digit_7_idx0.png]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from mnist_edge.bench.scripts.common import REPO, machine, run_child

from mnist_edge.contract import MODEL_FILES

BASELINE = "import onnxruntime, numpy, PIL.Image"
TARGETS = {"wall": 1.4, "peak_rss": 1.2}
MODEL = REPO / "artifacts" / MODEL_FILES["int8"]
# The floor: what onnxruntime alone needs to load the model and run one image, with predict's
# session settings; no preprocessing, no CLI.
SESSION = ("o = onnxruntime.SessionOptions(); o.intra_op_num_threads = 1; o.inter_op_num_threads = 1; "
           "o.add_session_config_entry('session.intra_op.allow_spinning', '0'); "
           "s = onnxruntime.InferenceSession('{model}', o, providers=['CPUExecutionProvider']); "
           "s.run(None, {{'image': numpy.zeros((1, 1, 28, 28), numpy.float32)}})")


def commands(image: Path) -> dict[str, list[str]]:
    cli = Path(sys.executable).parent / "mnist-edge"
    if not cli.exists():
        cli = Path(shutil.which("mnist-edge") or sys.exit("mnist-edge is not installed in this Python"))
    return {
        "baseline": [sys.executable, "-c", BASELINE],
        "predict": [str(cli), "predict", str(image)],
        "baseline_plus_typer": [sys.executable, "-c", BASELINE + ", typer"],
        "baseline_plus_session": [sys.executable, "-c", BASELINE + "; " + SESSION.format(model=MODEL)],
    }


def child_env() -> dict[str, str]:
    """This environment, but with bytecode caching on: the warm-up runs write the .pyc files
    that `pip install` writes on a device, so no variant pays for compiling the project."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(argv: list[str], cwd: Path) -> tuple[float, int]:
    """-> (wall seconds, peak RSS in KiB) of one child process; exits if it fails."""
    wall, rss_bytes, _ = run_child(argv, cwd, env=child_env())
    return wall, rss_bytes // 1024


def measure(cmds: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, dict[str, list]]:
    names = list(cmds)
    for _ in range(2):  # warm-up: page cache, .pyc files
        for name in names:
            run_once(cmds[name], cwd)
    samples = {name: {"wall_s": [], "peak_rss_kib": []} for name in names}
    for i in range(runs):
        for name in names if i % 2 == 0 else reversed(names):
            wall, rss = run_once(cmds[name], cwd)
            samples[name]["wall_s"].append(round(wall, 5))
            samples[name]["peak_rss_kib"].append(rss)
    return samples


def summarise(samples: dict[str, dict[str, list]]) -> dict:
    medians = {name: {"wall_s": statistics.median(s["wall_s"]),
                      "peak_rss_mib": statistics.median(s["peak_rss_kib"]) / 1024}
               for name, s in samples.items()}
    ratios = {name: {"wall": m["wall_s"] / medians["baseline"]["wall_s"],
                     "peak_rss": m["peak_rss_mib"] / medians["baseline"]["peak_rss_mib"]}
              for name, m in medians.items() if name != "baseline"}
    met = {k: ratios["predict"][k] <= limit for k, limit in TARGETS.items()}
    return {"medians": medians, "ratios": ratios, "targets": TARGETS, "targets_met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="rounds; each runs every variant once")
    parser.add_argument("--image", type=Path, default=REPO / "artifacts" / "samples" / "digit_7_idx0.png")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "startup.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "digit.png"
        shutil.copyfile(args.image, image)
        cmds = commands(image)
        info = machine()
        samples = measure(cmds, args.runs, Path(tmp))
    result = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "runs_per_variant": args.runs, **summarise(samples),
              "commands": {name: " ".join(Path(a).name if i == 0 else a for i, a in enumerate(c))
                           for name, c in cmds.items()},
              "machine": info, "samples": samples}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    from mnist_edge.atomic import atomic_write_text

    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("medians", "ratios", "targets_met")}, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
