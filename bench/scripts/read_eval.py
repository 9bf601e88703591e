"""Accuracy and speed of `read` on synthetic photos of handwritten numbers (2-8 digits).

What it is: --count numbers per condition of mnist_edge.synth.numbers (clean, lined, squared,
photo, touching, broken, small), lengths 2-8 drawn uniformly, all from a fixed seed and from the
validation digits (train indices 50000-59999, never the test set), read by the shipped INT8
model through DigitReader.read (the code path of `mnist-edge read`). Writes bench/results/read.json
and read.md: exact-string accuracy by length and by condition ("?" counts as wrong; also
without the min_confidence refusals), digit-level accuracy (1 - edit distance / length, summed
over all numbers), and the time of reading a 6-digit number against one `predict` of a single
digit on a photo of the same size, measured side by side (interleaved, median of --repeat).
Also read_misses.png: the missed photos with truth -> read, when there are any; --readme
writes the tables into README.md between its read-table markers.
What it isn't: a test, or the held-out photos of real writers the issue's targets speak of.

    python -m mnist_edge.bench.scripts.read_eval [--count 80] [--seed 0] [--data-dir DIR] [--readme]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mnist_edge.api import DigitReader, Failure
from mnist_edge.atomic import atomic_write_text
from mnist_edge.bench.scripts.common import REPO, RESULTS, machine
from mnist_edge.data.mnist import load_split
from mnist_edge.synth.numbers import NUMBER_CONDITIONS, number_photo

VALIDATION = slice(50000, 60000)
LENGTHS = range(2, 9)
README_START, README_END = "<!-- read-table:start -->", "<!-- read-table:end -->"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def evaluate(reader: DigitReader, images, labels, count: int, seed: int) -> tuple[list[dict], list]:
    rng, rows, misses = np.random.default_rng(seed), [], []
    for condition in NUMBER_CONDITIONS:
        for _ in range(count):
            number = number_photo(images, labels, rng, condition, int(rng.choice(LENGTHS)))
            result = reader.read_many([number.image])[0]
            text = "" if isinstance(result, Failure) else result.text
            argmax = "" if isinstance(result, Failure) else "".join(str(d.digit) for d in result.digits)
            rows.append({"condition": condition, "length": len(number.text), "truth": number.text, "read": text,
                         "argmax": argmax, "distance": edit_distance(text, number.text)})
            if text != number.text:
                misses.append((number.image, f"{number.text} -> {text or '(none)'}"))
        done = [r for r in rows if r["condition"] == condition]
        print(f"{condition:9} exact {np.mean([r['read'] == r['truth'] for r in done]):.3f}", flush=True)
    return rows, misses


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    return {"n": n, "exact": sum(r["read"] == r["truth"] for r in rows) / n,
            "exact_without_refusals": sum(r["argmax"] == r["truth"] for r in rows) / n,
            "digit_accuracy": 1 - sum(r["distance"] for r in rows) / sum(r["length"] for r in rows),
            "with_unsure": sum("?" in r["read"] for r in rows) / n}


def timing(reader: DigitReader, images, labels, repeat: int) -> dict:
    """Median ms: read of a 6-digit photo vs predict of one digit on a photo of the same size."""
    rng = np.random.default_rng(11)
    six = number_photo(images, labels, rng, "clean", 6).image
    one = number_photo(images, labels, rng, "clean", 1).image
    page = Image.new("RGB", six.size, one.getpixel((0, 0)))
    page.paste(one, ((six.width - one.width) // 2, (six.height - one.height) // 2))
    with tempfile.TemporaryDirectory() as tmp:
        six_path, one_path = Path(tmp) / "six.png", Path(tmp) / "one.png"
        six.save(six_path)
        page.save(one_path)
        reader.read(six_path), reader.predict(one_path)  # warm-up
        read_ms, predict_ms = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            reader.read(six_path)
            t1 = time.perf_counter()
            reader.predict(one_path)
            t2 = time.perf_counter()
            read_ms.append(1000 * (t1 - t0))
            predict_ms.append(1000 * (t2 - t1))
    r, p = float(np.median(read_ms)), float(np.median(predict_ms))
    return {"photo_px": list(six.size), "read_6_digits_ms": round(r, 2), "predict_1_digit_ms": round(p, 2),
            "ratio": round(r / p, 2), "repeat": repeat}


def contact_sheet(misses: list, path: Path, limit: int = 24) -> None:
    """Thumbnails of missed photos (320 px wide), truth -> read under each, 3 per row."""
    misses = misses[:limit]
    w, h, cols = 320, 120, 3
    sheet = Image.new("RGB", (cols * w, -(-len(misses) // cols) * h), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (img, caption) in enumerate(misses):
        thumb = img.convert("RGB")
        thumb.thumbnail((w - 4, h - 18))
        x, y = (k % cols) * w, (k // cols) * h
        sheet.paste(thumb, (x + 2, y + 2))
        draw.text((x + 4, y + h - 15), caption, fill=(200, 0, 0))
    sheet.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(path, optimize=True)


def markdown(result: dict) -> str:
    def table(key: str, groups: dict) -> list[str]:
        out = [f"| {key} | n | exact string | exact without refusals | digit accuracy | with '?' |",
               "|---|---|---|---|---|---|"]
        out += [f"| {name} | {s['n']} | {s['exact']:.1%} | {s['exact_without_refusals']:.1%} "
                f"| {s['digit_accuracy']:.2%} | {s['with_unsure']:.1%} |" for name, s in groups.items()]
        return out
    t = result["timing"]
    lines = [f"`read` on {result['overall']['n']} synthetic photos of numbers (seed {result['seed']}, "
             f"{result['count']} per condition, validation digits), model {result['model']}.", ""]
    lines += table("length", result["by_length"]) + [""] + table("condition", result["by_condition"])
    lines += [""] + table("all", {"all": result["overall"]}) + ["", "| photo | read 6 digits ms | predict 1 digit ms "
              "| ratio |", "|---|---|---|---|",
              f"| {t['photo_px'][0]} x {t['photo_px'][1]} | {t['read_6_digits_ms']} | {t['predict_1_digit_ms']} "
              f"| {t['ratio']} |"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=80, help="numbers per condition (80)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=21, help="timing repetitions (21)")
    parser.add_argument("--data-dir")
    parser.add_argument("--out", type=Path, default=RESULTS / "read")
    parser.add_argument("--readme", action="store_true", help="also write the tables into README.md")
    args = parser.parse_args()
    train = load_split("train", args.data_dir)
    images, labels = train.images[VALIDATION], train.labels[VALIDATION]
    reader = DigitReader()
    start = time.perf_counter()
    rows, misses = evaluate(reader, images, labels, args.count, args.seed)
    result = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "command": " ".join(sys.argv), "model": reader.path.name, "seed": args.seed, "count": args.count,
              "min_confidence": reader.min_confidence, "machine": machine(),
              "overall": summary(rows),
              "by_length": {str(n): summary([r for r in rows if r["length"] == n]) for n in LENGTHS},
              "by_condition": {c: summary([r for r in rows if r["condition"] == c]) for c in NUMBER_CONDITIONS},
              "timing": timing(reader, images, labels, args.repeat),
              "wall_s": round(time.perf_counter() - start, 1), "misses": [r for r in rows if r["read"] != r["truth"]]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out.with_suffix(".json"), json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), markdown(result))
    if misses:
        contact_sheet(misses, args.out.parent / f"{args.out.name}_misses.png")
    if args.readme:
        readme = REPO / "README.md"
        text = readme.read_text()
        start, end = text.index(README_START) + len(README_START), text.index(README_END)
        atomic_write_text(readme, text[:start] + "\n" + markdown(result) + text[end:])
    print(markdown(result))


if __name__ == "__main__":
    main()
