"""The photo material of issue 10 as the network sees it, and how a checkpoint reads it.

What it is: two steps.
  render (torch-free; needs mnist_edge.synth and mnist_edge.image, the photo work of issue 10):
    python -m mnist_edge.bench.scripts.photoset_issue10 render OUT.npz [--count 20] [--seed 0]
  draws digit photos under every condition and severity (synth.photos), degraded 28x28 digits
  (synth.small) and non-digits (synth.nondigits: letters, symbols, shapes, scribbles, blank,
  smudges, noise, two digits), all from validation digits (train 50000-59999) and a fixed seed,
  puts each through preprocessing (image.fit_digit) and saves the 28x28 pixels, the
  preprocessing verdict, and the label (-1 for a non-digit).
  threshold: python -m mnist_edge.bench.scripts.photoset_issue10 threshold SET.npz MODEL.onnx
  the not-a-digit threshold refusing 1% of the validation photo digits the model reads right
  (--rule all: 1% of all of them, preprocessing's refusals included; with --min-confidence P,
  the top-probability threshold P and min_logsumexp fitted to the rest), and at it: digits
  read right and refused (photos, 28x28), non-digits refused per kind.
  score (torch): python -m mnist_edge.bench.scripts.photoset_issue10 score SET.npz CHECKPOINT [...]
  reads each checkpoint's network (temperature folded in) and its min_confidence and prints,
  per group, digits read right (refused counts as wrong), digits refused, non-digits refused
  by preprocessing, by the network's threshold, and by both.
What it isn't: the held-out real photos of the issue, or a test; none of this material is
drawn like the training negatives (train/negatives.py), so it judges them honestly.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

VALIDATION = slice(50_000, 60_000)


def render(out: str, count: int, seed: int = 0, data_dir: str | None = None) -> None:
    from mnist_edge.data.mnist import load_split
    from mnist_edge.image.digit import fit_digit
    from mnist_edge.synth import nondigits, photos, small, strokes

    train = load_split("train", data_dir)
    images, labels = train.images[VALIDATION], train.labels[VALIDATION]
    rng = np.random.default_rng(seed)
    pixels, reasons, truth, group = [], [], [], []

    def add(img, label, name):
        fitted = fit_digit(img)
        pixels.append(fitted.pixels)
        reasons.append(fitted.reason or "")
        truth.append(label)
        group.append(name)

    for condition in photos.CONDITIONS:
        for severity in photos.SEVERITIES:
            for k in rng.integers(len(images), size=count):
                shape = lambda size, width, d=images[k]: strokes.digit_coverage(d, size, width)  # noqa: E731
                add(photos.photo(shape, rng, condition, severity), labels[k], f"photo/{condition}")
    for condition in small.SMALL_CONDITIONS:
        for severity in photos.SEVERITIES:
            for k in rng.integers(len(images), size=count):
                add(small.degrade(images[k], rng, condition, severity), labels[k], f"28x28/{condition}")
    for kind in nondigits.NONDIGIT_KINDS:
        for _ in range(3 * count):
            add(nondigits.nondigit(kind, rng, images), -1, f"nondigit/{kind}")
    np.savez_compressed(out, pixels=np.stack(pixels).astype(np.float32), reasons=np.array(reasons),
                        labels=np.array(truth), groups=np.array(group))
    print(f"wrote {out}: {len(truth)} images")


def score(path: str, checkpoint: str) -> dict:
    import torch

    from mnist_edge.calibration import softmax
    from mnist_edge.export.load import load_model

    data = np.load(path)
    model, state = load_model(checkpoint)  # logits / T
    with torch.no_grad():
        logits = model(torch.from_numpy(data["pixels"][:, None])).double().numpy()
    probs = softmax(logits)
    threshold = state.get("min_confidence") or 0.0
    net_refused = probs.max(1) < threshold
    pre_refused = data["reasons"] != ""
    read = np.where(pre_refused | net_refused, -1, probs.argmax(1))
    labels, groups = data["labels"], data["groups"]
    out = {"checkpoint": checkpoint, "min_confidence": threshold}
    for name in ("photo", "28x28"):
        m = np.char.startswith(groups.astype(str), name + "/")
        out[name] = {"n": int(m.sum()), "read": float(np.mean(read[m] == labels[m])),
                     "read_without_threshold": float(np.mean(np.where(pre_refused, -1, probs.argmax(1))[m] == labels[m])),
                     "refused_by_network": float(np.mean(net_refused[m] & ~pre_refused[m]))}
    m = labels == -1
    out["nondigit"] = {"n": int(m.sum()), "refused_by_preprocessing": float(np.mean(pre_refused[m])),
                       "refused_by_network_alone": float(np.mean(net_refused[m])),
                       "refused": float(np.mean(pre_refused[m] | net_refused[m])),
                       "per_kind": {str(k).split("/")[1]: float(np.mean((pre_refused | net_refused)[groups == k]))
                                    for k in sorted(set(groups[m]))}}
    return out


def threshold(path: str, model_path: str, refused: float = 0.01, rule: str = "right",
              min_confidence: float | None = None) -> dict:
    """The not-a-digit threshold that refuses `refused` of the validation photo digits (rule
    "all": by preprocessing and the threshold together) or of those the model reads right (rule
    "right", the shipped model's), torch-free: an exported ONNX model, its logits already divided
    by T; and what the model does at it: digits read right and refused per group, non-digits
    refused per kind. With min_confidence (rule "all"), the top-probability threshold is that,
    and the threshold fitted is min_logsumexp, on the logsumexp of the logits, refusing what
    preprocessing and min_confidence leave of `refused`."""
    from mnist_edge.calibration import logsumexp, refusal
    from mnist_edge.model.session import OnnxModel, softmax
    from mnist_edge.views import logits_over_views

    data = np.load(path)  # predict's logits: the mean of each image's shifted views
    logits = logits_over_views(OnnxModel(model_path).predict_logits, data["pixels"].astype(np.float32))
    probs, energy = softmax(logits), logsumexp(logits)  # (n, 10), (n,)
    labels, pre_refused, groups = data["labels"], data["reasons"] != "", data["groups"].astype(str)
    photo = np.char.startswith(groups, "photo/")
    out = {"model": model_path, "rule": rule, "refused": refused}
    if rule == "right":
        right = (labels >= 0) & ~pre_refused & (probs.argmax(1) == labels)
        thresholds = (float(np.quantile(probs.max(1)[right], refused)), None)
    elif min_confidence is None:  # what preprocessing leaves of `refused`, from the lowest top probabilities
        thresholds = (_fill(probs.max(1), pre_refused, photo, refused), None)
    else:  # and what min_confidence leaves of it, from the lowest logsumexps
        fixed = pre_refused | (probs.max(1) < min_confidence)
        thresholds = (min_confidence, _fill(energy, fixed, photo, refused))
    out["min_confidence"] = round(thresholds[0], 4)
    if thresholds[1] is not None:
        out["min_logsumexp"] = round(thresholds[1], 4)
    verdicts = [refusal(p, e, *thresholds) for p, e in zip(probs.max(1), energy)]
    out_refused = pre_refused | np.array([v is not None for v in verdicts])
    read = np.where(out_refused, -1, probs.argmax(1))
    for name in ("photo", "28x28"):
        m = np.char.startswith(groups, name + "/")
        out[name] = {"read": round(float(np.mean(read[m] == labels[m])), 4),
                     "refused": round(float(np.mean(out_refused[m])), 4)}
    non = labels == -1
    out["nondigits_refused"] = float(np.mean(out_refused[non]))
    out["nondigits_refused_per_kind"] = {k.split("/")[1]: round(float(np.mean(out_refused[groups == k])), 3)
                                         for k in sorted(set(groups[non]))}
    return out


def _fill(score: np.ndarray, already: np.ndarray, photo: np.ndarray, refused: float) -> float:
    """The threshold on `score` that, with the photos `already` refused, refuses `refused` of them."""
    left = max(0.0, refused - float(np.mean(already[photo])))
    kept = photo & ~already
    return float(np.quantile(score[kept], left * photo.sum() / kept.sum()))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["render", "score", "threshold"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0, help="render: the generator's seed (0)")
    parser.add_argument("--data-dir")
    parser.add_argument("--rule", choices=["right", "all"], default="right",
                        help="threshold: refuse 1%% of the photo digits read right (the shipped model's "
                             "rule) or 1%% of all photo digits, preprocessing's refusals included")
    parser.add_argument("--min-confidence", type=float,
                        help="threshold, rule all: keep this top-probability threshold and fit "
                             "min_logsumexp to the rest of the 1%% (none: fit min_confidence alone)")
    args = parser.parse_args(argv)
    if args.step == "render":
        render(args.paths[0], args.count, args.seed, data_dir=args.data_dir)
        return
    def step(path: str, model: str) -> dict:
        return (threshold(path, model, rule=args.rule, min_confidence=args.min_confidence)
                if args.step == "threshold" else score(path, model))

    # one JSON document (a list, one entry per model), so that `> results.json` stays valid
    print(json.dumps([step(args.paths[0], model) for model in args.paths[1:]], indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
