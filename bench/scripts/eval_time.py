"""Inference time of `mnist-edge eval` on the 10,000 MNIST test images, FP32 and INT8.

What it is: runs the real CLI (`mnist-edge eval --json`) --repeats times per thread setting
and records each model's inference time (session.run alone, as eval reports it) and
accuracy to bench/results/eval.json (atomically): the median and the best of the runs.
What it isn't: a per-image latency benchmark (`mnist-edge bench`), or a timed test.

    python -m mnist_edge.bench.scripts.eval_time [--repeats 5] [--threads 1 2] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from mnist_edge.bench.scripts.common import REPO, machine

from mnist_edge.atomic import atomic_write_text  # noqa: E402


def run_eval(threads: int, data_dir: str | None) -> dict:
    cli = Path(sys.executable).parent / "mnist-edge"
    args = [str(cli), "eval", "--json", "--threads", str(threads)]
    args += ["--data-dir", data_dir] if data_dir else []
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"eval failed ({result.returncode}): {result.stderr[-1000:]}")
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data-dir")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "eval.json")
    args = parser.parse_args()
    rows = []
    for threads in args.threads:
        runs = [run_eval(threads, args.data_dir) for _ in range(args.repeats)]
        for i, model in enumerate(runs[0]["models"]):
            times = [r["models"][i]["inference_s"] for r in runs]
            rows.append({"model": model["model"], "precision": model["precision"], "threads": threads,
                         "batch": model["batch"], "images": runs[0]["images"], "accuracy": model["accuracy"],
                         "inference_s_median": round(statistics.median(times), 4),
                         "inference_s_best": round(min(times), 4),
                         "images_per_s_median": round(runs[0]["images"] / statistics.median(times)),
                         "runs": [round(t, 4) for t in times]})
    result = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "machine": machine(),
              "note": "inference time = session.run over all images after one warm-up batch (eval's own figure); "
                      "the machine is shared, so the median of the runs is the figure to quote",
              "results": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
