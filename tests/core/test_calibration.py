"""mnist_edge.calibration (numpy only): ECE, reliability bins, temperature fit, refusals.

The data are synthetic with a known answer: a classifier whose confidence is its accuracy
(ECE near 0), the same one reporting sqrt(confidence) (ECE = E[sqrt(c) - c] = 0.167), and
logits three times too sharp (fitted temperature 3).
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_edge.calibration import (expected_calibration_error, fit_temperature, logsumexp,
                                    most_confident, nll, refusal, refusal_threshold,
                                    reliability_bins, softmax)


def probs_with_confidence(confidence: np.ndarray, rng: np.random.Generator):
    """(N, 10) probabilities whose top class has the given confidence, and labels that match
    the top class with exactly that probability."""
    n = len(confidence)
    top = rng.integers(0, 10, n)
    probs = np.tile(((1 - confidence) / 9)[:, None], (1, 10))
    probs[np.arange(n), top] = confidence
    correct = rng.random(n) < confidence
    other = (top + rng.integers(1, 10, n)) % 10  # any class but the top one
    return probs, np.where(correct, top, other)


def test_ece_of_a_calibrated_and_an_overconfident_classifier():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.1, 1.0, 40_000)
    probs, labels = probs_with_confidence(confidence, rng)
    assert expected_calibration_error(probs, labels) < 0.01
    # The same outcomes reported as sqrt(c): E[sqrt(c) - c] over U(0.1, 1) is 0.1673.
    sharp = np.sqrt(confidence)
    sharp_probs = np.tile(((1 - sharp) / 9)[:, None], (1, 10))
    sharp_probs[np.arange(len(sharp)), probs.argmax(1)] = sharp
    assert expected_calibration_error(sharp_probs, labels) == pytest.approx(0.1673, abs=0.01)


def test_reliability_bins_edges_and_counts():
    probs = np.zeros((4, 10))
    for i, c in enumerate([1.0, 0.55, 0.5, 0.999]):
        probs[i, 0], probs[i, 1] = c, 1 - c
    table = reliability_bins(probs, np.array([0, 1, 1, 0]))
    assert len(table) == 15 and sum(b["count"] for b in table) == 4
    assert table[14]["count"] == 2 and table[14]["accuracy"] == 1.0  # 1.0 (the last edge) and 0.999
    assert table[8]["count"] == 1 and table[8]["accuracy"] == 0.0  # 0.55 in (8/15, 9/15], wrong
    # 0.5 in (7/15, 8/15]; top class 0 (a tie: argmax takes the first), label 1: wrong
    assert table[7]["count"] == 1 and table[7]["confidence"] == 0.5 and table[7]["accuracy"] == 0.0
    assert table[3]["confidence"] is None and table[3]["count"] == 0


def test_fit_temperature_recovers_a_known_sharpening_and_lowers_nll():
    rng = np.random.default_rng(1)
    true_logits = rng.normal(0, 2, (20_000, 10))
    p = softmax(true_logits)
    labels = (p.cumsum(1) > rng.random((len(p), 1))).argmax(1)  # labels drawn from p itself
    overconfident = 3 * true_logits
    t = fit_temperature(overconfident, labels)
    assert t == pytest.approx(3.0, rel=0.05)
    assert nll(overconfident, labels, t) < nll(overconfident, labels) - 0.1
    assert fit_temperature(true_logits, labels) == pytest.approx(1.0, rel=0.05)


def test_softmax_with_temperature_and_large_logits():
    logits = np.array([[1000.0, 0.0], [2.0, 0.0]])
    assert np.allclose(softmax(logits)[0], [1, 0])
    assert softmax(logits, 2.0)[1] == pytest.approx(softmax(logits / 2)[1])


def test_refusal_threshold_refuses_at_most_the_share():
    confidence = np.linspace(0.5, 1.0, 1000)
    t = refusal_threshold(confidence, 0.01)
    assert np.sum(confidence < t) == 10
    assert refusal_threshold(confidence, 0.0) == 0.5  # nothing refused


def test_most_confident_reading_wins_and_a_nan_row_loses():
    probs = np.full((3, 10), 0.05)
    probs[0, 3], probs[1, 7], probs[2] = 0.55, 0.6, np.nan
    assert most_confident(probs) == 1
    assert most_confident(probs[[2, 0]]) == 1


def test_refusal_names_why_the_network_gives_no_digit():
    """Logits that look like no digit (all low: logsumexp under the bar) are "not_a_digit" even
    where one class stands out; logits split between two digits are "unsure"; either check
    alone; NaN is refused; None switches the logsumexp check off."""
    letter = np.array([[2.5, -1, -1, -1, -1, -1, -1, -1, -1, -1]])  # top 0.96, logsumexp 2.54
    split = np.array([[9.0, 9.0, 0, 0, 0, 0, 0, 0, 0, 0]])  # top 0.50, logsumexp 9.69
    clear = np.array([[12.0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    verdicts = [refusal(float(softmax(z).max()), float(logsumexp(z)[0]), 0.6, 2.8)
                for z in (letter, split, clear)]
    assert verdicts == ["not_a_digit", "unsure", None]
    assert refusal(0.96, 2.54, 0.6, None) is None  # no logsumexp check: the letter passes
    assert refusal(0.3, 2.0, 0.6, 2.8) == "not_a_digit"  # both: it looks like no digit first
    assert refusal(float("nan"), float("nan"), 0.0, 2.8) == "not_a_digit"
    assert refusal(float("nan"), 5.0, 0.0, None) == "unsure"
