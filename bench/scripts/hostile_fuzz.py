"""A larger fuzz run than the tests make, for bench/results/hostile.md: N mutated images through
load + preprocess, N mutated copies of the shipped INT8 model through the model check and, when
the check passes, an onnxruntime session and one run.

Counts: read (an image or a model that works), refused (a one-line UserError), tracebacks (any
other exception), hangs (one input over HANG_S seconds). Seeded, so a rerun gives the same inputs.

    python -m mnist_edge.bench.scripts.hostile_fuzz [--n 1000] [--out bench/results/hostile_fuzz.json]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
import traceback
from pathlib import Path

from PIL import Image

from mnist_edge.errors import UserError
from mnist_edge.image.preprocess import preprocess_image
from mnist_edge.image.load import load_image_bytes
from mnist_edge.model.check import artifacts_dir, shipped_model

HANG_S = 10.0
FORMATS = ("PNG", "JPEG", "TIFF", "GIF", "BMP", "WEBP")


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(max(len(out), 1))
        kind = rng.choice(["flip", "byte", "cut", "insert", "size"])
        if kind == "flip" and out:
            out[pos] ^= 1 << rng.randrange(8)
        elif kind == "byte" and out:
            out[pos] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        elif kind == "cut":
            out = out[:pos]
        elif kind == "insert":
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == "size" and len(out) > 8:
            out[pos : pos + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\0\0\0\0", b"\xff\xff\xff\xff"])
    return bytes(out)


def seeds() -> list[bytes]:
    sample = artifacts_dir() / "samples" / "digit_3_idx18.png"
    out = []
    with Image.open(sample) as img:
        for fmt in FORMATS:
            buffer = io.BytesIO()
            img.convert("RGB" if fmt == "JPEG" else "L").save(buffer, fmt)
            out.append(buffer.getvalue())
    return out


def classify(fn) -> tuple[str, float, str]:
    start = time.perf_counter()
    try:
        fn()
        outcome, detail = "read", ""
    except UserError:
        outcome, detail = "refused", ""
    except Exception:  # noqa: BLE001 - exactly what is counted
        outcome, detail = "traceback", traceback.format_exc(limit=3)
    seconds = time.perf_counter() - start
    return ("hang" if seconds > HANG_S else outcome), seconds, detail


def run_images(n: int, rng: random.Random) -> dict:
    pool = seeds()
    return tally(classify(lambda d=mutate(rng.choice(pool), rng):
                          preprocess_image(load_image_bytes(d, "fuzz"), "fuzz")) for _ in range(n))


def run_models(n: int, rng: random.Random, folder: Path) -> dict:
    from mnist_edge.model.session import OnnxModel
    import numpy as np

    seed = shipped_model("int8").read_bytes()
    x = np.zeros((2, 1, 28, 28), np.float32)

    def one(k: int):
        path = folder / f"m{k}.onnx"
        path.write_bytes(mutate(seed, rng))
        try:
            OnnxModel(path).predict_logits(x)
        finally:
            path.unlink()
    return tally(classify(lambda k=k: one(k)) for k in range(n))


def tally(results) -> dict:
    counts = {"read": 0, "refused": 0, "traceback": 0, "hang": 0}
    slowest, examples = 0.0, []
    for outcome, seconds, detail in results:
        counts[outcome] += 1
        slowest = max(slowest, seconds)
        if detail and len(examples) < 3:
            examples.append(detail)
    return {**counts, "slowest_s": round(slowest, 3), "traceback_examples": examples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        result = {"n": args.n, "seed": 11, "hang_s": HANG_S,
                  "images": run_images(args.n, rng), "models": run_models(args.n, rng, Path(tmp))}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
