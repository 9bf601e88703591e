"""Accuracy of preprocessing + the shipped INT8 model on synthetic photos, old pipeline vs new.

What it is: --count photos per condition x severity (mnist_edge.synth.photos), 28 x 28 degraded
digits (synth.small) and non-digits (synth.nondigits), all from a fixed seed and from the
validation digits (train indices 50000-59999); each goes through the old preprocessing (the one
of git commit --before-ref, loaded from git) and the new (mnist_edge.image), then the shipped INT8
model; "shipped" is the new pipeline with the model's own not-a-digit thresholds (its
min_confidence and min_logsumexp), which is what `predict` and the API answer. A digit counts as read when it is
not refused and the top class is its label. Writes bench/results/photos.json, photos.md,
photos_hard.png (photo | what the network saw, for the new pipeline's misses), and the
per-condition summary between <!-- photos-table:start/end --> in README.md (not when a font of
synth.strokes.FONTS is missing: the letters would be drawn in another). Also times decode /
preprocess / inference per photo (31 interleaved runs, medians) and what reading costs over
decoding: (preprocess + inference) / decode.
What it isn't: a test (tests/test_photos.py holds floors), or the real held-out photos.

    python -m mnist_edge.bench.scripts.photos [--count 40] [--seed 0] [--data-dir DIR] [--before-ref 070880e]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_edge.atomic import atomic_write_text
from mnist_edge.data.mnist import load_split
from mnist_edge.errors import UserError
from mnist_edge.image.digit import fit_digit
from mnist_edge.image.load import load_image
from mnist_edge.calibration import logsumexp, model_thresholds, most_confident, refusal
from mnist_edge.model.session import OnnxModel, softmax
from mnist_edge.bench.scripts.common import REPO, splice
from mnist_edge.synth import nondigits, photos, small, strokes
from mnist_edge.views import logits_over_views

VALIDATION = slice(50000, 60000)


def old_pipeline(ref: str):
    """The preprocess module as it was at git `ref` (the "before" of this comparison)."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:mnist_edge/preprocess.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("preprocess_before")
    exec(compile(source, f"{ref}:preprocess.py", "exec"), module.__dict__)
    return module


def run_both(images: list[Image.Image], old, model: OnnxModel) -> dict[str, tuple[np.ndarray, list, np.ndarray]]:
    """-> {pipeline: ((n,) predicted digit or -1 if refused, reasons, (n, 28, 28) seen)} for
    old, new, and shipped (new + the model's not-a-digit thresholds, calibration.refusal)."""
    out = {}
    for name in ("old", "new"):
        seen, reasons, others = np.zeros((len(images), 28, 28), np.float32), [], {}
        for i, img in enumerate(images):
            if name == "old":
                try:
                    seen[i], reason = old.preprocess_image(img), None
                except UserError:
                    reason = "blank"
            else:
                fitted = fit_digit(img)
                seen[i], reason = fitted.pixels, fitted.reason
                if fitted.alternatives:  # a tight crop's or an outline's other readings
                    others[i] = np.stack(fitted.alternatives)
            reasons.append(reason)
        logits = logits_over_views(model.predict_logits, seen)  # (n, 10)
        for i, pixels in others.items():  # the network's most confident reading, as the API takes it
            every = np.concatenate([logits[i][None], logits_over_views(model.predict_logits, pixels)])  # (k, 10)
            best = most_confident(softmax(every))
            if best:
                seen[i], logits[i] = pixels[best - 1], every[best]
        out[name] = (np.where([r is None for r in reasons], logits.argmax(1), -1), reasons, seen)
    digits, reasons, seen = out["new"]
    thresholds = model_thresholds(model.metadata, str(model.path))  # as the API reads them
    network = [refusal(p, e, *thresholds) for p, e in zip(softmax(logits).max(1), logsumexp(logits))]
    out["shipped"] = (np.where([r is None for r in network], digits, -1),
                      [r or n for r, n in zip(reasons, network)], seen)
    return out


def digit_sets(args, images, labels):
    """Yield (group, condition, severity, [PIL images], labels) for every digit condition."""
    rng = np.random.default_rng(args.seed)
    for condition in photos.CONDITIONS:
        for severity in photos.SEVERITIES:
            picks = rng.integers(len(images), size=args.count)
            imgs = [photos.photo(lambda size, width, d=images[k]: strokes.digit_coverage(d, size, width),
                                 rng, condition, severity) for k in picks]
            yield "photo", condition, severity, imgs, labels[picks]
    for condition in small.SMALL_CONDITIONS:
        for severity in photos.SEVERITIES:
            picks = rng.integers(len(images), size=args.count)
            yield "28x28", condition, severity, [small.degrade(images[k], rng, condition, severity) for k in picks], labels[picks]


def evaluate(args, old, model, images, labels):
    rows, hard = [], []
    for group, condition, severity, imgs, truth in digit_sets(args, images, labels):
        result = run_both(imgs, old, model)
        row = {"group": group, "condition": condition, "severity": severity, "n": len(imgs)}
        for name, (digits, reasons, _) in result.items():
            row[name] = float(np.mean(digits == truth))
            row[f"{name}_refused"] = float(np.mean(digits == -1))
        rows.append(row)
        digits, reasons, seen = result["new"]
        hard += [(imgs[i], seen[i], f"{condition}{severity} {truth[i]}->{digits[i]}")
                 for i in np.flatnonzero(digits != truth)]
        print(f"{group:6} {condition:12} {severity}  old {row['old']:.3f}  new {row['new']:.3f}", flush=True)
    return rows, hard


def evaluate_nondigits(args, old, model, images):
    """The non-digits of every kind; then letters and symbols in a fine pen (rows "thin_pen": True,
    drawn after the others so their images stay those of earlier runs)."""
    rng, rows = np.random.default_rng(args.seed + 1), []
    kinds = [(kind, nondigits.nondigit) for kind in nondigits.NONDIGIT_KINDS]
    for kind, make in kinds + [(kind, nondigits.thin_pen) for kind in nondigits.THIN_PEN_KINDS]:
        imgs = [make(kind, rng, images) for _ in range(args.count)]
        result = run_both(imgs, old, model)
        row = {"kind": kind, "n": len(imgs), "thin_pen": make is nondigits.thin_pen}
        for name, (digits, reasons, _) in result.items():
            row[f"{name}_refused"] = float(np.mean(digits == -1))
            row[f"{name}_reasons"] = {r: reasons.count(r) for r in sorted(set(reasons) - {None})}
        rows.append(row)
        print(f"nondigit {kind:12} refused old {row['old_refused']:.2f} new {row['new_refused']:.2f}", flush=True)
    return rows


def timing(images: np.ndarray, old, model: OnnxModel, folder: Path) -> dict:
    """Median ms per photo: decode (load_image), preprocess (old, new), inference, for two files."""
    rng = np.random.default_rng(7)
    shape = lambda size, width: strokes.digit_coverage(images[0], size, width)  # noqa: E731
    big = photos.render(shape, rng, {"gradient": 2, "noise": 1}).resize((4000, 3000), Image.Resampling.BICUBIC)
    files = {"phone_jpeg_4000x3000": folder / "phone.jpg", "small_png_300px": folder / "small.png"}
    big.save(files["phone_jpeg_4000x3000"], quality=90)
    photos.render(shape, rng, {"noise": 1}).resize((300, 300)).save(files["small_png_300px"])
    out = {}
    for name, path in files.items():
        times = {"decode": [], "preprocess_old": [], "preprocess_new": [], "inference": []}
        for _ in range(31):  # interleaved, medians: a shared machine
            t0 = time.perf_counter()
            img = load_image(path)
            t1 = time.perf_counter()
            old.preprocess_image(img)
            t2 = time.perf_counter()
            pixels = fit_digit(img).pixels
            t3 = time.perf_counter()
            logits_over_views(model.predict_logits, pixels[None])  # as predict reads: its shifted views
            t4 = time.perf_counter()
            for key, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                times[key].append(1000 * dt)
        out[name] = {k: round(float(np.median(v)), 2) for k, v in times.items()}
        out[name]["new_over_decode"] = round(out[name]["preprocess_new"] / out[name]["decode"], 2)
        read = out[name]["preprocess_new"] + out[name]["inference"]  # what reading costs beyond decoding
        out[name]["read_over_decode"] = round(read / out[name]["decode"], 2)
    return out


def contact_sheet(hard: list, path: Path, limit: int = 96) -> None:
    """Tiles of (photo thumbnail | the 28 x 28 the network saw, x3), 8 pairs per row."""
    tile, cols = 84, 8
    hard = hard[:limit]
    sheet = Image.new("RGB", (cols * 2 * tile, max(1, -(-len(hard) // cols)) * tile), (255, 0, 255))
    for k, (img, seen, _) in enumerate(hard):
        thumb = img.convert("RGBA") if img.mode in ("P", "RGBA", "LA") else img
        thumb = thumb.convert("RGB")
        thumb.thumbnail((tile, tile))
        x, y = (k % cols) * 2 * tile, (k // cols) * tile
        sheet.paste(thumb, (x, y))
        sheet.paste(Image.fromarray(np.round(seen * 255).astype(np.uint8)).resize((tile, tile)).convert("RGB"),
                    (x + tile, y))
    sheet.save(path)


def markdown(rows: list, nonrows: list, timings: dict) -> str:
    lines = ["| group | condition | severity | n | old | new | shipped | shipped refused |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['group']} | {r['condition']} | {r['severity']} | {r['n']} | {r['old']:.1%} | {r['new']:.1%} "
              f"| {r['shipped']:.1%} | {r['shipped_refused']:.1%} |" for r in rows]
    lines += means(rows)
    lines += ["", *nondigit_table(nonrows)]
    lines += ["", "| file | decode ms | preprocess old ms | preprocess new ms | inference ms | new / decode "
              "| (new + inference) / decode |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {k} | {v['decode']} | {v['preprocess_old']} | {v['preprocess_new']} | {v['inference']} "
              f"| {v['new_over_decode']} | {v['read_over_decode']} |" for k, v in timings.items()]
    return "\n".join(lines) + "\n"


def means(rows: list) -> list[str]:
    out = []
    for group in ("photo", "28x28"):
        sub = [r for r in rows if r["group"] == group]
        cells = " | ".join(f"{np.mean([r[k] for r in sub]):.1%}" for k in ("old", "new", "shipped", "shipped_refused"))
        out.append(f"| **{group} mean** | | | {sum(r['n'] for r in sub)} | {cells} |")
    return out


def nondigit_table(nonrows: list) -> list[str]:
    lines = ["| non-digit | n | refused old | refused new | refused shipped | shipped reasons |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['kind']}{' (thin pen)' if r['thin_pen'] else ''} | {r['n']} | {r['old_refused']:.0%} "
              f"| {r['new_refused']:.0%} | {r['shipped_refused']:.0%} | {r['shipped_reasons']} |" for r in nonrows]
    for name, thin_pen in (("all", False), ("letters and symbols, thin pen", True)):
        sub = [r for r in nonrows if r["thin_pen"] == thin_pen]
        share = np.mean([r["shipped_refused"] for r in sub])
        lines.append(f"| **{name}** | {sum(r['n'] for r in sub)} | | | {share:.1%} | |")
    return lines


def readme_table(rows: list, nonrows: list, result: dict) -> str:
    """The README's summary: each condition's mean over its severities, then the non-digits."""
    lines = ["| group | condition | n | before | now (shipped) | refused |", "|---|---|---|---|---|---|"]
    for group, condition in dict.fromkeys((r["group"], r["condition"]) for r in rows):
        sub = [r for r in rows if (r["group"], r["condition"]) == (group, condition)]
        lines.append(f"| {group} | {condition} | {sum(r['n'] for r in sub)} | {np.mean([r['old'] for r in sub]):.1%} "
                     f"| {np.mean([r['shipped'] for r in sub]):.1%} | {np.mean([r['shipped_refused'] for r in sub]):.1%} |")
    for group in ("photo", "28x28"):
        sub = [r for r in rows if r["group"] == group]
        lines.append(f"| **{group}** | **mean** | {sum(r['n'] for r in sub)} | {np.mean([r['old'] for r in sub]):.1%} "
                     f"| **{np.mean([r['shipped'] for r in sub]):.1%}** | {np.mean([r['shipped_refused'] for r in sub]):.1%} |")
    lines += ["", *nondigit_table(nonrows), "",
              f"Measured {result['measured_at']} by `{result['command']}` (model {result['model']}, "
              f"seed {result['seed']}, {result['count']} per condition and severity; every column and "
              "the timing in bench/results/photos.md)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="images per condition x severity (40)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--before-ref", default="070880e", help="git commit of the old preprocessing")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "photos")
    args = parser.parse_args()
    train = load_split("train", args.data_dir)
    images, labels = train.images[VALIDATION], train.labels[VALIDATION]
    old, model = old_pipeline(args.before_ref), OnnxModel()
    missing = strokes.missing_fonts()  # the letters and symbols would be drawn in another font
    if missing:
        print(f"warning: fonts not installed ({', '.join(missing)}; .ci/run installs them): "
              "README.md is left as it is", file=sys.stderr)
    start = time.perf_counter()
    rows, hard = evaluate(args, old, model, images, labels)
    nonrows = evaluate_nondigits(args, old, model, images)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        timings = timing(images, old, model, Path(tmp))
    result = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "command": " ".join(["python -m mnist_edge.bench.scripts.photos", *sys.argv[1:]]), "model": Path(model.path).name, "seed": args.seed,
              "count": args.count, "before_ref": args.before_ref, "wall_s": round(time.perf_counter() - start, 1),
              "fonts_missing": missing,
              "digits": rows, "nondigits": nonrows, "timing_ms": timings}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out.with_suffix(".json"), json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), markdown(rows, nonrows, timings))
    contact_sheet(hard, args.out.with_name(args.out.name + "_hard.png"))
    if not missing:
        splice(REPO / "README.md", "photos-table", readme_table(rows, nonrows, result))
    print(markdown(rows, nonrows, timings))


if __name__ == "__main__":
    main()
