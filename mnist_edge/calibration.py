"""Calibration of a classifier's probabilities, in numpy: ECE, reliability bins, temperature.

What it is: the standard expected calibration error (confidence = top softmax probability,
15 equal-width bins over [0, 1], ECE = sum over bins of |accuracy - mean confidence| weighted
by the bin's share of samples), the per-bin numbers a reliability diagram draws, a softmax
with a temperature, logsumexp (read scores candidates by it), a 1-D fit of the temperature
T minimising the negative log-likelihood of logits / T, and refusal(): the network's two
reasons to give no digit, with model_thresholds(), the thresholds a model carries. Torch-free: the runtime (`predict`, `eval`, `read`) and the trainer
share it.
What it isn't: plotting (the CLI draws the diagram) or the choice of the refusal thresholds
(the trainer's and bench/scripts/photoset_issue10.py's, on validation data).
"""

from __future__ import annotations

import json

import numpy as np

from mnist_edge.errors import UserError

ECE_BINS = 15
# The temperature search range: wider than any sensible model needs (0.4 fixed label smoothing).
T_MIN, T_MAX = 0.05, 20.0


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """(N, C) logits -> (N, C) probabilities of logits / temperature."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)  # no overflow in exp
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def logsumexp(logits: np.ndarray) -> np.ndarray:
    """(N, C) -> (N,) log sum exp of each row; of a model's logits, its (negative) free energy,
    lower on what the model was not trained on (Liu et al. 2020)."""
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    return m[:, 0] + np.log(np.exp(z - m).sum(axis=1))


def most_confident(probs: np.ndarray) -> int:
    """(k, 10) probabilities of k readings of one image -> the index of the reading whose top
    probability is highest (a NaN row loses)."""
    return int(np.argmax(np.nan_to_num(probs.max(1), nan=-1.0)))


def refusal(probability: float, energy: float, min_confidence: float,
            min_logsumexp: float | None) -> str | None:
    """Why the network gives no digit for a reading, or None. "not_a_digit": the logsumexp of
    its logits is under min_logsumexp (None: no such check), it looks like none of the ten
    (letters, symbols, shapes score low on it where their top probability can still be high);
    "unsure": its top probability is under min_confidence (or NaN), it looks like more than one."""
    if min_logsumexp is not None and not energy >= min_logsumexp:  # NaN refused too
        return "not_a_digit"
    if not probability >= min_confidence:
        return "unsure"
    return None


def model_thresholds(metadata: dict, source: str) -> tuple[float, float | None]:
    """(min_confidence, min_logsumexp) a model carries in its metadata (JSON numbers; absent or
    null: 0.0 and None, no threshold); UserError naming `source` when one is not a number."""
    found = []
    for key in ("min_confidence", "min_logsumexp"):
        value = metadata.get(key)
        try:
            value = json.loads(value) if isinstance(value, str) else value
            found.append(None if value is None else float(value))
        except (ValueError, TypeError):
            raise UserError(f"{source}: metadata {key} is not a number: {value!r:.40}") from None
    return found[0] or 0.0, found[1]


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the true labels under softmax(logits / temperature)."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    return float(np.mean(logsumexp(z) - z[np.arange(len(labels)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T in [T_MIN, T_MAX] minimising nll(logits, labels, T): golden-section search on log T.

    The NLL of logits / T is convex in 1/T, hence unimodal in log T: the search finds the
    optimum (to ~1e-4 relative) without a gradient.
    """
    lo, hi = np.log(T_MIN), np.log(T_MAX)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(logits, labels, np.exp(a)), nll(logits, labels, np.exp(b))
    while hi - lo > 1e-4:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(logits, labels, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(logits, labels, np.exp(b))
    return float(np.exp((lo + hi) / 2))


def reliability_bins(probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width confidence bin: its edges, sample count, mean confidence and accuracy.

    probs: (N, C) probabilities; a sample with confidence c goes into bin ceil(c * bins) - 1
    (bins are (lo, hi], the first also takes 0). Empty bins have confidence/accuracy None.
    """
    probs = np.asarray(probs, dtype=np.float64)
    confidence = probs.max(axis=1)  # (N,)
    correct = probs.argmax(axis=1) == np.asarray(labels)  # (N,) bool
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        n = int(mask.sum())
        out.append({"lo": b / bins, "hi": (b + 1) / bins, "count": n,
                    "confidence": float(confidence[mask].mean()) if n else None,
                    "accuracy": float(correct[mask].mean()) if n else None})
    return out


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE (a fraction, not percent) of (N, C) probabilities against (N,) true labels."""
    table = reliability_bins(probs, labels, bins)
    total = sum(b["count"] for b in table)
    return float(sum(b["count"] * abs(b["accuracy"] - b["confidence"])
                     for b in table if b["count"]) / total)


def refusal_threshold(confidence: np.ndarray, max_refused: float = 0.01) -> float:
    """The largest threshold t such that at most `max_refused` of `confidence` lies below t.

    confidence: (N,) top probabilities of real digits; an image is refused when its confidence
    is < t, so at most floor(max_refused * N) of these digits are refused.
    """
    c = np.sort(np.asarray(confidence, dtype=np.float64))
    k = int(np.floor(max_refused * len(c)))  # digits we may refuse
    return float(c[k])  # c[0..k-1] < t (at most k refused), c[k] itself is kept
