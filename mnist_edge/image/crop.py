"""A digit cropped to its own box (a scan cut around the digit, a data set's tight crops): found
and given back a margin of paper.

What it is: tight_crop(signal) says whether the image's strongest mark runs from one edge to the
opposite one while being a digit-sized stroke shape, not a band (a ruling line is thin, the
table beyond the page fills its side); margined(gray, ...) pads the grey image with its paper
level. Without the margin, the rules meant for pages take the digit apart: a stroke drawn
from edge to edge of a small crop is a line across it, a mark along the image's edge is the
table, and a mark touching the border is the page's edge. A digit with lines drawn across it
(a fold, a rule) looks the same here, so the margined reading is an alternative the network
weighs against the usual one (digit.fit_digit, api.DigitReader), not a replacement.
What it isn't: the choice of the digit among marks (digit.py).
"""

from __future__ import annotations

import numpy as np

from mnist_edge.image import background as bg
from mnist_edge.image import filters
from mnist_edge.image.components import label

INK = 0.3  # of the signal's 99.5th percentile: what is ink for this test
SPAN = 0.25  # the mark reaching two opposite edges is at least this share of the image across
BAND = 0.9  # an edge whose pixels are inked this much is a band (the table), not a crop
FILLED = 0.85  # share of its box a mark fills beyond which it is a blob or band, not strokes
MARGIN = 0.25  # of the longer side, paper added on every side (at least 2 px)


def tight_crop(signal: bg.InkSignal) -> bool:
    """The image is one digit cropped to its box: its main mark reaches two opposite edges."""
    s = ink_over_paper(signal.x)  # not signal.s: a background window narrower than the strokes hollows them
    ink = s > INK * filters.quantile(s, 0.995)
    edges = (ink[0], ink[-1], ink[:, 0], ink[:, -1])
    if not ((edges[0].any() and edges[1].any()) or (edges[2].any() and edges[3].any())):
        return False  # nearly every photo: nothing reaches two opposite edges
    if max(float(e.mean()) for e in edges) >= BAND:
        return False
    c = label(ink, np.clip(s, 0, None))
    m = int(np.argmax(c.mass))
    h, w = s.shape
    top, bottom, left, right = int(c.top[m]), int(c.bottom[m]), int(c.left[m]), int(c.right[m])
    tall = top == 0 and bottom == h and right - left >= SPAN * w
    wide = left == 0 and right == w and bottom - top >= SPAN * h
    return (tall or wide) and c.area[m] < FILLED * (bottom - top) * (right - left)


def ink_over_paper(x: np.ndarray) -> np.ndarray:
    """(H, W) ink-bright image -> (H, W) its excess over the median (the paper, most of a crop)."""
    return x - filters.quantile(x, 0.5)


def margined(gray: np.ndarray, signal: bg.InkSignal) -> np.ndarray:
    """(H, W) grey -> the grey with MARGIN of paper (its median where there is no ink) on every side."""
    s = ink_over_paper(signal.x)
    paper = float(np.median(gray[s <= INK * filters.quantile(s, 0.995)]))
    m = max(2, int(MARGIN * max(gray.shape)))
    return np.pad(gray, m, constant_values=paper).astype(np.float32)
