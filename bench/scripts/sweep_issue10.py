"""Issue 10's recipe sweep: train a few recipes, judge each on the VALIDATION split only.

What it is: `python -m mnist_edge.bench.scripts.sweep_issue10 NAME [NAME ...]` trains each named recipe (RECIPES
below, full 60k-10k data, 20 epochs) into runs/sweep/NAME, then scores it on validation:
accuracy, ECE after the fitted temperature, share of held-out synthetic negatives refused at
<= 1% refused digits, and accuracy under fixed corruptions of the validation digits (thin and
thick strokes, low contrast, blur, noise, a ruled line: each at one fixed strength, seed 5).
Rows go to bench/results/sweep_issue10.json (merged by name); `--table` prints the markdown.
What it isn't: the recorded run (`mnist-edge train`) or a test-set evaluation: the test
figure each run's metrics.json holds is not read here, so no choice can lean on it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from mnist_edge.bench.scripts.common import REPO
from mnist_edge.train import imaging as im
from mnist_edge.train.config import TrainConfig
from mnist_edge.train.trainer import load_tensors, train

RESULTS = REPO / "bench" / "results" / "sweep_issue10.json"
IMAGING = dict(p_stroke=0.3, p_contrast=0.3, p_blur=0.2, p_noise=0.2, p_line=0.15, p_erase=0.1)
NO_IMAGING = {k: 0.0 for k in IMAGING}
RECIPES = {  # explicit about every new field, whatever TrainConfig's defaults are
    "baseline_ls0.1": dict(oe_weight=0.0, **NO_IMAGING),
    "ls0": dict(label_smoothing=0.0, oe_weight=0.0, **NO_IMAGING),
    "ls0_imaging": dict(label_smoothing=0.0, oe_weight=0.0, **IMAGING),
    "ls0_imaging_oe": dict(label_smoothing=0.0, oe_weight=0.5, **IMAGING),
    "ls0.1_imaging_oe": dict(oe_weight=0.5, **IMAGING),
    "ls0_oe": dict(label_smoothing=0.0, oe_weight=0.5, **NO_IMAGING),
}


def corruptions(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """(N, 1, 28, 28) clean validation pixels -> each fixed corruption of them."""
    g = lambda: torch.Generator().manual_seed(5)  # noqa: E731
    return {
        "thin": 0.3 * x + 0.7 * -torch.nn.functional.max_pool2d(-x, 3, 1, 1),  # 70% of an erosion
        "thick": torch.nn.functional.max_pool2d(x, 3, 1, 1),
        "low_contrast": 0.25 + 0.3 * x,
        "blur": im.gaussian_blur(x, 1.0, 1.5, g()),
        "noise": (x + 0.2 * torch.randn(x.shape, generator=g())).clamp(0, 1),
        "line": im.ruled_line(x, 1.0, g()),
    }


@torch.no_grad()
def accuracy(model, x: torch.Tensor, y: torch.Tensor) -> float:
    from mnist_edge.train.calibrate import logits_of

    return float((torch.from_numpy(logits_of(model, x)).argmax(1) == y).float().mean())


def run(name: str) -> dict:
    from mnist_edge.export.load import load_model

    cfg = TrainConfig(out=f"runs/sweep/{name}", threads=1, **RECIPES[name])
    metrics = train(cfg)
    model, _ = load_model(Path(cfg.out) / "checkpoint.pt")
    _, _, val_x, val_y, _, _ = load_tensors(cfg, torch.device("cpu"))
    pixels = val_x.float() / 255
    v, c = metrics["calibration"]["validation"], metrics["calibration"]
    row = {"name": name, "recipe": RECIPES[name], "val_accuracy": v["accuracy"],
           "val_ece_raw": v["raw"]["ece"], "val_ece": v["ece"], "temperature": c["temperature"],
           "min_confidence": c["min_confidence"],
           "synthetic_negatives_refused": c["synthetic_negatives"]["refused"],
           "val_corrupted": {k: accuracy(model, xc, val_y) for k, xc in corruptions(pixels).items()},
           "wall_time_s": metrics["wall_time_s"]}
    row["val_corrupted_mean"] = sum(row["val_corrupted"].values()) / len(row["val_corrupted"])
    return row


def table(rows: dict) -> str:
    head = ("| recipe | val acc | val ECE raw -> at T | T | negatives refused (<=1% digits) | "
            "corrupted val acc (mean) | thin / thick / low contrast / blur / noise / line |")
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in rows.values():
        c = r["val_corrupted"]
        lines.append(f"| {r['name']} | {r['val_accuracy']:.2%} | {r['val_ece_raw']:.2%} -> "
                     f"{r['val_ece']:.2%} | {r['temperature']:.3f} | "
                     f"{r['synthetic_negatives_refused']:.1%} | {r['val_corrupted_mean']:.2%} | "
                     + " / ".join(f"{c[k]:.1%}" for k in c) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if argv == ["--table"]:
        print(table(rows))
        return
    for name in argv:
        rows[name] = run(name)
        rows = {**(json.loads(RESULTS.read_text()) if RESULTS.exists() else {}), name: rows[name]}
        RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
