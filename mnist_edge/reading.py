"""What `read` makes of one photo of a handwritten number: the digits, chosen by recognition.

What it is: the result types (Reading, ReadDigit; to_dict() is exactly what `mnist-edge read
--json` prints) and choose(): given the network's probabilities for every candidate digit of a
Segmentation (mnist_edge.image.segment), keep for each mark the way of cutting whose digits
are likeliest together (segmentation by recognition; fewer digits on a tie), and spell the
text, with "?" for a digit under UNSURE_BELOW (or the reader's min_confidence). A way's score
also counts how much each digit looks like one (the logsumexp of its logits) and whether it
encloses two loops side by side (image.shape); the logits are those of the candidate and of its
shifted views, averaged (mnist_edge.views).
What it isn't: the segmentation (mnist_edge.image.segment) or the session (mnist_edge.api).

JSON, one object per photo:
  {"file": str, "text": "20?6", "confidence": float (the lowest digit probability),
   "digits": [{"digit": int, "probability": float, "box": [x0, y0, x1, y1]}, ...]}
  a digit under the threshold also has "unsure": true and shows as "?" in text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnist_edge.image.segment import Segmentation
from mnist_edge.image.shape import holes_side_by_side

UNSURE = "?"
# A digit of a number is shown as "?" when it is more likely wrong than right. The exported
# model's thresholds answer another question (is this image a digit at all?) and are not read's:
# on validation numbers (seeds 1 and 2) the digits a 0.69 threshold flagged, 0.5-0.69, read
# right 55% of the time.
UNSURE_BELOW = 0.5
PER_DIGIT = -0.01  # log-prior per digit of a way of cutting (chosen on seeded validation numbers)
SHORT, SHORT_WEIGHT = 0.7, 4.0  # a digit lower than SHORT x the line's height: log-penalty per unit
# A candidate whose logsumexp of logits (negative free energy) is under LIKE_A_DIGIT looks less
# like the digits the network was trained on: two touching digits read as one, a piece of one.
# 6.0 is about the 7th percentile of the shipped model's validation digits; LIKE_WEIGHT is the
# log-penalty per unit under it (both chosen on validation numbers, seeds 1 and 2).
LIKE_A_DIGIT, LIKE_WEIGHT = 6.0, 0.2
# A candidate with two loops side by side is two touching digits more often than one (a 00 read
# as 0): log-penalty TWO_LOOPS. Validation numbers, seeds 1 and 2 (360 each): touching 40 -> 42
# and 33 -> 36 of 60, every other condition the same (0.5: +2 / +2; 2: +1 / +3); seeds 21 and
# 22, used for no choice: +1 / 0.
TWO_LOOPS = 1.0


@dataclass(frozen=True)
class ReadDigit:
    digit: int  # the most likely digit (also when unsure)
    probability: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the photo's pixels, end-exclusive
    unsure: bool = False  # probability under the threshold: "?" in the text

    def to_dict(self) -> dict[str, Any]:
        out = {"digit": self.digit, "probability": round(self.probability, 6), "box": list(self.box)}
        if self.unsure:
            out["unsure"] = True
        return out


@dataclass(frozen=True)
class Reading:
    source: str  # the file, or "<bytes>", "<image>", "<array>"
    text: str  # the digits left to right, "?" for each unsure one
    confidence: float  # the lowest digit probability
    digits: tuple[ReadDigit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.source, "text": self.text, "confidence": round(self.confidence, 6),
                "digits": [d.to_dict() for d in self.digits]}


def choose(seg: Segmentation, probs: np.ndarray, energy: np.ndarray, source: str,
           min_confidence: float) -> Reading:
    """(n, 10) probabilities and (n,) logsumexp of the logits of seg's candidates -> the
    Reading (marks must not be empty)."""
    best = probs.argmax(axis=1)  # (n,)
    top = probs[np.arange(len(probs)), best]  # (n,)
    two_loops = np.zeros(len(probs), bool)  # (n,) looked at only where there is a choice
    for i in {i for options in seg.marks if len(options) > 1 for way in options for i in way}:
        two_loops[i] = holes_side_by_side(seg.pixels[i])
    digits = []
    for options in seg.marks:
        ids = max(options, key=lambda o: (_score(top, energy, two_loops, o, seg), -len(o)))
        for i in ids:
            p = float(top[i])
            unsure = p < min_confidence or math.isnan(p)
            digits.append(ReadDigit(int(best[i]), p, seg.boxes[i], unsure))
    text = "".join(UNSURE if d.unsure else str(d.digit) for d in digits)
    return Reading(source, text, min(d.probability for d in digits), tuple(digits))


def _score(top: np.ndarray, energy: np.ndarray, two_loops: np.ndarray, ids: tuple[int, ...],
           seg: Segmentation) -> float:
    """How likely one way of cutting is: the product of its digits' probabilities (as a sum of
    logs), times PER_DIGIT for each digit, and penalties for each digit much lower than the line
    (the network is sure of many a piece of a digit too: a 4's arm read as a 1), for each that
    looks less like a digit than LIKE_A_DIGIT (it is as sure of many a touching pair), and for
    each with two loops side by side."""
    p = np.clip(np.nan_to_num(top[list(ids)], nan=0.0), 1e-12, 1.0)
    short = sum(max(0.0, SHORT - (seg.boxes[i][3] - seg.boxes[i][1]) / max(seg.height, 1.0)) for i in ids)
    unlike = float(np.clip(LIKE_A_DIGIT - energy[list(ids)], 0.0, None).sum())
    pairs = int(two_loops[list(ids)].sum())
    return (float(np.log(p).sum()) + PER_DIGIT * len(ids) - SHORT_WEIGHT * short - LIKE_WEIGHT * unlike
            - TWO_LOOPS * pairs)
