"""reading.choose, the choice between ways of cutting a mark, on hand-made network outputs.

Checked: the likelier way wins; a whole mark the network is sure of but whose logits say it
looks less like a digit (low logsumexp: two touching digits read as one), or which encloses two
loops side by side, loses to its two pieces; "?" below the threshold given; each candidate's shifted views (zeros shifted in,
nothing wrapped round) and their logits averaged back per candidate.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from mnist_edge.image.segment import Segmentation
from mnist_edge.reading import LIKE_A_DIGIT, choose
from mnist_edge.views import SHIFTS, mean_over_views, views


def _mark_or_two_pieces() -> Segmentation:
    """One mark, read whole (candidate 0) or as two pieces (candidates 1, 2)."""
    return Segmentation(np.zeros((3, 28, 28), np.float32), [(0, 0, 20, 20), (0, 0, 10, 20), (10, 0, 20, 20)],
                        [[(0,), (1, 2)]], height=20.0)


def _probs(*digit_p: tuple[int, float]) -> np.ndarray:
    out = np.zeros((len(digit_p), 10))
    for row, (digit, p) in enumerate(digit_p):
        out[row] = (1 - p) / 9
        out[row, digit] = p
    return out  # (n, 10)


def test_the_sure_whole_mark_wins_when_it_looks_like_a_digit():
    probs = _probs((7, 0.99), (7, 0.95), (1, 0.95))
    reading = choose(_mark_or_two_pieces(), probs, np.full(3, LIKE_A_DIGIT + 2), "x", 0.5)
    assert reading.text == "7"


def test_a_whole_mark_with_two_loops_side_by_side_loses_to_its_pieces():
    """Two touching 0s fitted as one: the network is sure of a 0; two loops side by side say two."""
    img = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(img)
    draw.ellipse((3, 8, 14, 20), outline=255, width=2)
    draw.ellipse((13, 8, 24, 20), outline=255, width=2)
    seg = _mark_or_two_pieces()
    seg.pixels[0] = np.asarray(img, np.float32) / 255
    probs = _probs((0, 0.99), (0, 0.95), (0, 0.95))
    assert choose(seg, probs, np.full(3, LIKE_A_DIGIT + 2), "x", 0.5).text == "00"
    assert choose(_mark_or_two_pieces(), probs, np.full(3, LIKE_A_DIGIT + 2), "x", 0.5).text == "0"


def test_a_whole_mark_unlike_a_digit_loses_to_its_pieces():
    probs = _probs((7, 0.99), (7, 0.95), (1, 0.95))
    energy = np.array([LIKE_A_DIGIT - 3, LIKE_A_DIGIT + 2, LIKE_A_DIGIT + 2])
    reading = choose(_mark_or_two_pieces(), probs, energy, "x", 0.5)
    assert reading.text == "71" and [d.box for d in reading.digits] == [(0, 0, 10, 20), (10, 0, 20, 20)]


def test_question_mark_below_the_threshold_given():
    probs = _probs((7, 0.99), (7, 0.6), (1, 0.6))
    energy = np.array([LIKE_A_DIGIT - 9, LIKE_A_DIGIT, LIKE_A_DIGIT])
    assert choose(_mark_or_two_pieces(), probs, energy, "x", 0.5).text == "71"
    assert choose(_mark_or_two_pieces(), probs, energy, "x", 0.7).text == "??"


def test_views_shift_each_candidate_and_average_back():
    pixels = np.zeros((2, 28, 28), np.float32)
    pixels[0, 5, 7], pixels[1, 0, 27] = 1.0, 2.0  # the second at the field's corner
    seen = views(pixels)  # (len(SHIFTS) * 2, 28, 28)
    assert seen.shape == (2 * len(SHIFTS), 28, 28)
    for k, (dy, dx) in enumerate(SHIFTS):
        assert seen[2 * k, 5 + dy, 7 + dx] == 1.0 and seen[2 * k].sum() == 1.0
        assert seen[2 * k + 1].sum() == (2.0 if (dy, dx) == (0, 0) or (dy >= 0 and dx <= 0) else 0.0)
    logits = np.arange(2 * len(SHIFTS) * 10, dtype=np.float64).reshape(-1, 10)
    mean = mean_over_views(logits)  # (2, 10)
    assert mean.shape == (2, 10)
    assert np.allclose(mean[1], logits[1::2].mean(axis=0))
