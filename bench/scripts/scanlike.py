"""Accuracy of `mnist-edge predict` on scan-like images of MNIST test digits, against clean digits.

What it is: the first --count test digits, each made into a scan-like file by
tests/scanlike.py (the kinds in turn), predicted by the real CLI in one call (--json, shipped
INT8 model); the accuracy overall and per kind, next to the same model's accuracy on the same
digits as clean 28 x 28 arrays. Writes bench/results/scanlike.json (atomically).
What it isn't: the test (tests/test_scanlike_predict.py asserts the 1.5-point bound on 300).

    python -m mnist_edge.bench.scripts.scanlike [--count 1000] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from mnist_edge.bench.scripts.common import REPO

from mnist_edge.atomic import atomic_write_text  # noqa: E402
from mnist_edge.data.mnist import load_split  # noqa: E402
from mnist_edge.model.check import shipped_model  # noqa: E402
from mnist_edge.model.session import OnnxModel, predict_labels  # noqa: E402
from mnist_edge.synth.scanlike import KINDS, write_scan_like  # noqa: E402


def make_files(images: np.ndarray, folder: Path) -> list[tuple[Path, str]]:
    rng, kinds = np.random.default_rng(0), list(KINDS)
    return [(write_scan_like(img, rng, kinds[i % len(kinds)], folder / f"{i:05d}_{kinds[i % len(kinds)]}"),
             kinds[i % len(kinds)]) for i, img in enumerate(images)]


def predict_cli(folder: Path) -> tuple[dict[str, int], float]:
    cli = Path(sys.executable).parent / "mnist-edge"
    start = time.perf_counter()
    result = subprocess.run([str(cli), "predict", "--json", str(folder)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"predict failed ({result.returncode}): {result.stderr[-1000:]}")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return {r["file"]: r["digit"] for r in rows}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scanlike.json")
    args = parser.parse_args()
    test = load_split("test", args.data_dir)
    images, labels = test.images[: args.count], test.labels[: args.count]
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(images, Path(tmp))
        predicted, seconds = predict_cli(Path(tmp))
    correct = np.array([predicted[str(f)] == y for (f, _), y in zip(files, labels)])
    clean = float(np.mean(predict_labels(OnnxModel(), images) == labels))
    per_kind = {k: float(np.mean([c for c, (_, kind) in zip(correct, files) if kind == k])) for k in KINDS}
    result = {
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": shipped_model().name, "digits": len(labels), "first_test_images": True,
        "clean_accuracy": clean, "scan_like_accuracy": float(correct.mean()),
        "drop_points": 100 * (clean - float(correct.mean())), "per_kind_accuracy": per_kind,
        "predict_wall_s": round(seconds, 3), "images_per_s_whole_cli": round(len(labels) / seconds, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
