"""Other writers' digits: UCI's optdigits (scikit-learn's copy) through `predict`'s pipeline.

What it is: the 1,797 digits scikit-learn ships as load_digits() (the test part of UCI's
optdigits: 8 x 8 ink counts of 32 x 32 bitmaps, writers other than MNIST's), each scaled up
(bilinear) to 16, 32, 64 and 128 px, dark on light, and read by the shipped INT8 model as
`mnist-edge predict` reads a file (preprocessing, its alternative readings, shifted views, the
model's thresholds) and through the first round's simple preprocessing (git --before-ref), both
by photos.run_both; also the network on the 8 x 8 put straight into MNIST's 20 x 20 box (no
preprocessing: what the network itself makes of this data). Writes
bench/results/other_writers.json and .md.
Real handwriting the project never trains or tunes on; the generator's look-alike of it, made
from validation digits, is the `blocks8` row of the photos table (synth.small).
What it isn't: a test (scikit-learn is no dependency: `pip install scikit-learn` first).

    python -m mnist_edge.bench.scripts.other_writers [--before-ref 070880e]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

import numpy as np
from PIL import Image

from mnist_edge.atomic import atomic_write_text
from mnist_edge.bench.scripts.common import RESULTS, machine
from mnist_edge.bench.scripts.photos import old_pipeline, run_both
from mnist_edge.image.fit import fit
from mnist_edge.model.session import OnnxModel
from mnist_edge.views import logits_over_views

SIZES = (16, 32, 64, 128)


def scaled(counts: np.ndarray, size: int) -> Image.Image:
    """(8, 8) ink counts 0-16 -> size x size "L", dark on light."""
    return Image.fromarray((255 - counts * 255 / 16).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)


def network_alone(model: OnnxModel, counts: np.ndarray) -> np.ndarray:
    """(n, 8, 8) -> (n,) the network's digits on each scaled into MNIST's box (fit.py), no preprocessing."""
    pixels = []
    for c in counts:
        ink = c.astype(np.float32) / 16  # (8, 8)
        rows, cols = np.flatnonzero(ink.max(1) > 0), np.flatnonzero(ink.max(0) > 0)
        pixels.append(fit(ink, (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)))
    pixels = np.stack(pixels)  # (n, 28, 28)
    return logits_over_views(model.predict_logits, pixels).argmax(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-ref", default="070880e", help="git commit of the first round's preprocessing")
    args = parser.parse_args()
    from sklearn.datasets import load_digits

    digits = load_digits()
    counts, labels = digits.images, digits.target  # (1797, 8, 8) in 0-16, (1797,)
    model, old = OnnxModel(), old_pipeline(args.before_ref)  # the shipped INT8 model
    rows = {}
    for size in SIZES:  # run_both: the first round's pipeline, and predict's with the model's thresholds
        read = run_both([scaled(c, size) for c in counts], old, model)
        got = read["shipped"][0]  # (n,) digits, -1 where refused
        rows[size] = {"read": float(np.mean(got == labels)), "refused": float(np.mean(got == -1)),
                      "first_round": float(np.mean(read["old"][0] == labels))}
        print(size, rows[size], flush=True)
    alone = float(np.mean(network_alone(model, counts) == labels))
    result = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "command": " ".join(["python -m mnist_edge.bench.scripts.other_writers", *sys.argv[1:]]),
              "model": model.path.name, "digits": len(labels), "machine": machine(),
              "by_size": rows, "network_alone": alone}
    lines = [f"UCI optdigits (scikit-learn's {len(labels):,} digits, other writers), scaled up, through "
             f"`predict`'s pipeline, model {model.path.name}:", "",
             "| size | read right | refused | first round's preprocessing |", "|---|---|---|---|",
             *[f"| {s} px | {r['read']:.1%} | {r['refused']:.1%} | {r['first_round']:.1%} |" for s, r in rows.items()],
             "", f"The network on the 8 x 8 scaled straight into MNIST's box: {alone:.1%}.", ""]
    atomic_write_text(RESULTS / "other_writers.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(RESULTS / "other_writers.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
