"""A digit cropped to its own box (a scan cut around the digit, a data set's tight crops): found
and given back a margin of paper.

What it is: tight_crop(signal) says whether the image's strongest mark runs from one edge to the
opposite one while being a digit-sized stroke shape, not a band (a ruling line is thin, the
table beyond the page fills its side); margined(gray, ...) pads the grey image with its paper
level. Without the margin, the rules meant for pages take the digit apart: a stroke drawn
from edge to edge of a small crop is a line across it, a mark along the image's edge is the
table, and a mark touching the border is the page's edge. A digit with lines drawn across it
(a fold, a rule) looks the same here, so where straight lines cross a small crop on a clean
ground (found by marks.py, noise under CLEAN), and on a page, the margined reading is an
alternative the network weighs against the usual one (digit.fit_digit, api.DigitReader); in any
other small crop it replaces it.
crowded(signal) says that a small crop is filled much by thick, smooth ink (the paper's noise
estimate then measures the strokes): it is read with a margin too.
scanned_crop(gray) is the same digit for an image the page's rules refused whole, read with its
ink and paper swapped (ink_against_ground), or found scaled up (source_size; its digit need not
span it, and the network weighs that reading against the usual one): a small scan scaled up (a
16 x 16 data set's digit at 128 px) has strokes as wide as the paper's window and ink on
nearly half its pixels, so the median is no paper level and the polarity is a coin toss.
There the border is the paper: its median is the level, ink is what departs from it, and the
image is reduced to under background.SMALL px and given a margin of that level.
source_size(gray) finds a small scan scaled up (a data set's 8 x 8 or 16 x 16 digit at 128 px
and more): it holds no detail finer than its source's pixels, so it is reduced under
background.SMALL px and analysed as the crop it was, not as a page (whose rules drop a digit
that fills the frame, or split its soft strokes).
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
# scanned_crop: at least this share of the border is paper (within FLAT x the ink's contrast of
# the border's median); a crop's digit touches its border in a few places only
PAPER_BORDER, FLAT = 0.5, 0.1
CROP_SIDE = 90  # scanned_crop reduces the image to a shorter side of at most this many px
# A small crop whose paper varies by more than this (the ink signal's robust std) may be crowded
# with ink: a thick digit filling its crop (a data set's 8 x 8 or 16 x 16 scan scaled up), where
# the median absolute deviation measures the strokes, not the paper, and straight strokes pass
# for lines across it. Validation digits with lines drawn across them (lines28) stay under it;
# most optdigits-style and tight16 crops of validation digits are above it.
CLEAN = 0.03
# ... and that crop's pixel-to-pixel grain (its difference from its 3 x 3 median) is under this share
# of that spread: smooth strokes, not noise (validation: upscaled crops 0-0.05, noisy or faint
# 28 x 28 digits 0.28 and more).
GRAIN_SHARE = 0.15
# ... and its ink (past half the strongest) covers at least this share of it: a small photo of a
# page whose light falls off is smooth and spread too, but its digit covers 1-6% (validation:
# low_res photos 0.013-0.056, the crowded crops above 0.109).
CROWD = 0.08
# source_size: an image is a small scan scaled up when, reduced under SMALL px and scaled back, no
# pixel departs from it by more than SCALED_UP x its contrast, nor by more than COARSE at
# COARSE_SIDE px (no detail finer than a 16 x 16 grid's cell), and no band runs along an edge
# (the table beyond a smooth page). Validation: digit photos (24 conditions, seeds 12 and 13,
# 5,760) none reduced, unchanged answers; optdigits-style and tight crops of validation digits at
# 128/192/256 px (300 each) 239 -> 286, 250 -> 285, 260 -> 288 and 272 -> 281, 272 -> 285,
# 274 -> 281 read; non-digit photos (seeds 14-17, 1,280) refused as before (without the band
# rule a smooth page with the table showing was read as a 1, twice).
SCALED_UP, COARSE, COARSE_SIDE = 0.06, 0.3, 16


def tight_crop(signal: bg.InkSignal) -> bool:
    """The image is one digit cropped to its box: its main mark reaches two opposite edges."""
    s = ink_over_paper(signal.x)  # not signal.s: a background window narrower than the strokes hollows them
    return spans_the_image(s, _ink(s))


def spans_the_image(s: np.ndarray, ink: np.ndarray) -> bool:
    """(H, W) ink-bright signal and its ink: the main mark reaches two opposite edges, is no band
    along an edge and no filled blob."""
    edges = (ink[0], ink[-1], ink[:, 0], ink[:, -1])
    if not ((edges[0].any() and edges[1].any()) or (edges[2].any() and edges[3].any())):
        return False  # nearly every photo: nothing reaches two opposite edges
    if banded(ink):
        return False
    c = label(ink, np.clip(s, 0, None))
    m = int(np.argmax(c.mass))
    h, w = s.shape
    top, bottom, left, right = int(c.top[m]), int(c.bottom[m]), int(c.left[m]), int(c.right[m])
    tall = top == 0 and bottom == h and right - left >= SPAN * w
    wide = left == 0 and right == w and bottom - top >= SPAN * h
    return (tall or wide) and c.area[m] < FILLED * (bottom - top) * (right - left)


def banded(ink: np.ndarray) -> bool:
    """(H, W) ink: an edge of the image is inked along BAND of it (the table beyond the page)."""
    return max(float(e.mean()) for e in (ink[0], ink[-1], ink[:, 0], ink[:, -1])) >= BAND


def crowded(signal: bg.InkSignal) -> bool:
    """A small crop crowded with smooth ink (a thick digit filling it, its spread no paper's noise):
    read with a margin of paper, as a tight crop is. Where the crop was analysed as a page (its
    light uneven), the spread is the image's own."""
    if min(signal.x.shape) >= bg.SMALL:
        return False
    spread = filters.robust_std(signal.x) if signal.cell else signal.noise
    if spread <= CLEAN:
        return False
    grain = filters.robust_std(signal.x - filters.median3(signal.x), 0.0)
    ink = np.mean(signal.s > 0.5 * filters.quantile(signal.s, 0.995))
    return grain < GRAIN_SHARE * spread and ink >= CROWD


def ink_over_paper(x: np.ndarray) -> np.ndarray:
    """(H, W) ink-bright image -> (H, W) its excess over the median (the paper, most of a crop)."""
    return x - filters.quantile(x, 0.5)


def margined(gray: np.ndarray, signal: bg.InkSignal) -> np.ndarray:
    """(H, W) grey -> the grey with MARGIN of paper (its median where there is no ink) on every side."""
    s = ink_over_paper(signal.x)
    return _padded(gray, float(np.median(gray[~_ink(s)])))


def _padded(gray: np.ndarray, paper: float) -> np.ndarray:
    """(H, W) -> (H + 2m, W + 2m) float32: MARGIN of the longer side (>= 2 px) of paper on every side."""
    m = max(2, int(MARGIN * max(gray.shape)))
    return np.pad(gray, m, constant_values=paper).astype(np.float32)


def scanned_crop(gray: np.ndarray, spanning: bool = True) -> np.ndarray | None:
    """(H, W) grey in [0, 1] -> the digit as a small crop on its border's level with a margin of
    it (shorter side at most CROP_SIDE + margins), or None when the image is no crop: its border
    is not mostly one level, or (spanning) no mark spans it (module docstring). spanning=False
    for an image source_size found scaled up: a data set's digit may keep a margin of its grid."""
    edge = bg.border(gray, 1)  # a crop's paper but where its digit touches it
    level, s = _off_border_level(gray)
    contrast = filters.quantile(s, 0.995)
    if contrast <= 0 or np.mean(np.abs(edge - level) < FLAT * contrast) < PAPER_BORDER:
        return None
    if spanning and not spans_the_image(s, s > INK * contrast):
        return None
    return _padded(bg.reduce_by(gray, -(-min(gray.shape) // CROP_SIDE))[0], level)


def _off_border_level(gray: np.ndarray) -> tuple[float, np.ndarray]:
    """(H, W) grey -> (its border's median, (H, W) departure from it: ink bright whichever its
    polarity, a crop's paper at 0)."""
    level = filters.quantile(bg.border(gray, 1), 0.5)
    return level, np.abs(gray - level)


def source_size(gray: np.ndarray, f: int = 1) -> tuple[np.ndarray, int]:
    """(H, W) grey in [0, 1] reduced f times -> (the grey box-reduced k more times, f x k): k > 1
    for a small scan scaled up (SCALED_UP above), reduced under background.SMALL px; else (gray, f)."""
    side = min(gray.shape)
    if side < bg.SMALL:
        return gray, f
    k, coarse = -(-side // (bg.SMALL - 1)), side // COARSE_SIDE
    contrast = filters.quantile(gray, 0.995) - filters.quantile(gray, 0.005)
    reduced = bg.reduce_by(gray, k)[0]
    if (_scaled_from(gray, reduced, k, SCALED_UP * contrast)
            and _scaled_from(gray, bg.reduce_by(gray, coarse)[0], coarse, COARSE * contrast)
            and not banded(_ink(_off_border_level(reduced)[1]))):
        return reduced, f * k
    return gray, f


def _scaled_from(gray: np.ndarray, reduced: np.ndarray, k: int, tolerance: float) -> bool:
    """gray is `reduced` (box-reduced k times) scaled back within `tolerance`: bilinear (a smooth
    scan's scaling) or nearest (a binary one's blocks)."""
    h, w = reduced.shape[0] * k, reduced.shape[1] * k
    cut = gray[:h, :w]
    if float(np.abs(cut - filters.upsample(reduced, (h, w), k)).max()) < tolerance:
        return True
    return float(np.abs(cut - reduced.repeat(k, 0).repeat(k, 1)).max()) < tolerance


def _ink(s: np.ndarray) -> np.ndarray:
    """(H, W) ink-bright signal -> (H, W) bool: what is ink for these tests (INK of its 99.5th percentile)."""
    return s > INK * filters.quantile(s, 0.995)


def ink_against_ground(gray: np.ndarray, dark_ink: bool) -> bool:
    """Dark ink said to lie on a dark ground, or light ink on a light one: the page's polarity rule
    (which favours dark ink) misjudged a crop whose ink and paper are as common (a binary scan)."""
    return (filters.quantile(bg.border(gray, 1), 0.5) < 0.5) == dark_ink
