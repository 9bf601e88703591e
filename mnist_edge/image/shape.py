"""What the shape of the 28x28 the network sees says against it being a digit.

What it is: not_a_digit_shape(pixels) -> "" or why not, in words, for shapes the network reads
as sure digits: more stroke ends and crossings than a digit has (a #: eight ends, four
crossings, read as a 4), a ring around another ring (an @, read as a 0), a ring rounder than a
hand draws (a drawn circle, read as a 0); contradicts(digit, pixels), once the network has read
it: a 5 that closes two loops (a $, an S struck through), a 4 on two legs (an H, an A), a 7
whose bar runs on both sides of its stem (a T), a 2 around a bowl (an a), a 0 of five stroke
ends or more (an @ in a fine pen); holes_side_by_side(pixels): two loops beside each other,
which `read` counts against a candidate (two touching digits fitted as one). Ends and crossings
are counted on the strokes thinned to one pixel (Zhang and Suen, 1984, by a lookup table over
the 8 neighbours), specks shorter than SPECK pixels dropped; rings as runs of ink along the row
and the column through the ink's centre; roundness as the ink's distance from that centre along
rays; loops as regions of paper the ink encloses.
What it isn't: a reader; the layout verdicts on the photo's marks are verdicts.py's.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from mnist_edge.image.components import Components, label, mask_box, runs
from mnist_edge.image.filters import neighbourhood3
from mnist_edge.image.holes import is_enclosed

INK = 0.4  # a pixel of the 28x28 (0 paper, 1 ink) above this is stroke
SPECK = 4  # a piece of skeleton shorter than this, end to end, is dust
# At least ENDS ends and CROSSINGS crossings (8-connected groups of pixels where 3+ branches
# meet) are too many. Chosen on validation seeds 12 and 13 of the photo generator (8,640 digit
# photos of every condition, 3,600 degraded 28x28 digits, 960 non-digits): 1 digit read right
# refused, 7 symbols refused more (#s read as 4); 6 ends and 3 crossings: 0 and 4; 5 ends and 3
# crossings: 10 and 6; without the specks dropped 6 and 2 cost 41 digits (speckled 28x28s).
# Seeds 14 and 15, not used for the choice: 4 of 12,000 digits (one thin-stroke photo, three
# 28x28), 10 more non-digits. Validation digits as they are: 2 of 10,000 (crossed 7s whose bar
# came apart).
ENDS, CROSSINGS = 6, 2
TOO_MANY_STROKES = "more stroke ends and crossings than a digit has (a #)"
# A row and a column through the ink's centre that both cross at least RINGS runs of ink: a ring
# in a ring. A 0 crosses 2 each way, a slashed or dotted 0 3, an 8 3-4 up and down but 1-2 across
# its waist. Validation digits: none of 10,000 (3 runs both ways: 116, mostly 6s). Validation
# seeds 12 and 13 (as for ENDS): 3 digits read right refused (two outlined 28x28 digits left
# hollow), 6 non-digits more (@s read as 0); seeds 14 and 15: 1, 8.
RINGS = 4
RING_IN_RING = "a ring around another ring (an @)"
# A 5 encloses at most one region of paper: validation digits, 0 of 915 two; validation photos
# of every condition and the 28x28 conditions, seeds 12-15 (24,000 digits), of the 5s read right
# one (an outlined 28x28 5 left hollow); the non-digits read as 5 with two, 16 of 18 (each a $).
STRUCK_S = 5
# Ink whose distance from its centre varies by less than ROUND of itself (std / mean over
# ROUND_RAYS directions, each ray's distance the ink-weighted mean along it) is a drawn circle (a
# template's, a compass's, a printed one), which the network reads as a 0: no hand is that
# regular. Validation seeds 12-15 of the photo generator: the 2,418 0s read right measure 0.042
# and more (no digit read right of 24,000 under 0.03), the 42 circles that passed the
# thresholds 0.026 and less; validation digits as they are: none of 10,000 under 0.03.
ROUND, ROUND_RAYS = 0.03, 48
TOO_ROUND = "a ring rounder than handwriting (a drawn circle)"
# A 4 stands on one stroke: two stroke ends in the lowest LEGS_BAND of the ink's height and
# LEGS_APART of its width apart are an H's or an A's legs (the network read H and A as sure 4s).
# Validation digits as they are: 2 of 983 4s (a left stroke drawn down past the bar). Validation
# seeds 12 and 13 of the photo generator: of the 1,186 4s read right (photos, 28x28s) 1 refused
# (a speck at a speckled 28x28's foot), 7 letters more. Other bounds there: 0.4 or 0.6 of the
# width, 2 or 0 digits for 8 or 6 non-digits; 0.15 of the height, 1 and 7; 0.25 and 0.4, 7 and
# 8. Seeds 14 and 15, used for no choice: 3 of 1,149 4s (lines drawn across two 28x28s end
# near the foot, an optdigits-style crop), 8 non-digits more (4 letters, 4 #s).
STANDING, LEGS_BAND, LEGS_APART = 4, 0.2, 0.5
# A 7's stem leaves its bar at the bar's right end (a short overhang at most); a bar running on
# both sides of the stem, ARMS of the ink's width or more each way, is a T (read as a sure 7).
# Judged on strokes with 3 ends and one crossing, the crossing in the top BAR_TOP of the ink,
# the bar's ends within BAR_LEVEL of its height, the stem's end in the lowest STEM_FOOT.
# Validation digits as they are: none of 1,090 7s (0.25: 2). Validation seeds 12 and 13: no 7
# read right of the 1,203 refused, 2 letters more (0.25: 5 7s); seeds 14 and 15, used for no
# choice: none of 1,391, 3 letters more.
TEE, ARMS, BAR_TOP, BAR_LEVEL, STEM_FOOT = 7, 0.3, 0.35, 0.2, 0.7
# A 2 encloses at most a small loop where it turns into its base; BOWL px of paper or more is an
# a's bowl (typed and round-hand a's read as sure 2s: 43-66 px). Validation 2s as they are: 1 of
# 990 (54 px); photo seeds 12 and 13: the 1,208 read right 43 px at most (42: 1 refused, 1 letter
# more); seeds 14 and 15, used for no choice: none of 1,190 refused, 2 letters more.
BOWLED, BOWL = 2, 45
# A 0, a ring closed or open with a tail or two, has at most 4 stroke ends (validation 0s as they
# are: 2 of 991 have 3 or 4). ZERO_ENDS or more: a ring a fine pen broke up, an @ most often. Photo
# seeds 12 and 13: none of 1,192 0s read right refused (4 ends: 6), non-digits +1 of 960, +3 of 240
# in a fine pen; seeds 14 and 15, used for no choice: none of 1,226, +1 and +6.
RING, ZERO_ENDS = 0, 5


def not_a_digit_shape(pixels: np.ndarray) -> str:
    """(28, 28) float32 in [0, 1] -> "" for a digit's shape; else why not."""
    if too_many_strokes(pixels):
        return TOO_MANY_STROKES
    if ring_in_ring(pixels):
        return RING_IN_RING
    return TOO_ROUND if too_round(pixels) else ""


def too_many_strokes(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when its strokes have ENDS ends and CROSSINGS crossings."""
    ends, crossings = strokes(pixels > INK)
    return len(ends) >= ENDS and label(crossings).count >= CROSSINGS


def ring_in_ring(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when the row and the column through its ink's centre
    both cross RINGS runs of ink."""
    ink = pixels > INK
    ys, xs = np.nonzero(ink)
    if not len(ys):
        return False
    row, column = ink[int(round(ys.mean()))], ink[:, int(round(xs.mean()))]
    return min(len(runs(line[None])[0]) for line in (row, column)) >= RINGS  # runs of ink each


def too_round(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when the ink lies around its centre at one distance in
    every direction, within ROUND of it: a circle (its hole closed or not by a wide pen)."""
    ink = np.where(pixels > INK, pixels, 0)  # (28, 28) stroke only, as its weight
    total = ink.sum()
    if not total:
        return False
    h, w = ink.shape
    cy, cx = ink.sum(axis=1) @ np.arange(h) / total, ink.sum(axis=0) @ np.arange(w) / total
    y, x = np.rint(cy + _RAYS[0]).astype(int), np.rint(cx + _RAYS[1]).astype(int)  # (rays, steps)
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    along = np.where(inside, ink[y.clip(0, h - 1), x.clip(0, w - 1)], 0)  # (rays, steps)
    weight = along.sum(axis=1)
    if not weight.all():  # a direction without ink: no ring around the centre
        return False
    radius = along @ _RADII / weight  # (rays,) pixels
    return bool(radius.std() < ROUND * radius.mean())


def contradicts(digit: int, pixels: np.ndarray) -> bool:
    """The network's digit against its (28, 28) reading: True for a 5 that encloses two regions,
    a 4 on two legs, a 7 whose bar runs on both sides of its stem, a 2 around a bowl, a 0 with
    ZERO_ENDS stroke ends or more (_AGAINST)."""
    against = _AGAINST.get(digit)
    return bool(against and against(pixels))


def tee(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True for a bar on top whose stem leaves it from the middle:
    ARMS of the width on either side (a T)."""
    ink = pixels > INK
    box = mask_box(ink)
    if box is None:
        return False
    ends, crossing = strokes(ink)
    if len(ends) != 3 or label(crossing).count != 1:
        return False
    top, height, width = box[0], box[1] - box[0], box[3] - box[2]
    cy, cx = np.argwhere(crossing).mean(axis=0)
    (ly, lx), (ry, rx) = sorted(ends[np.argsort(ends[:, 0])][:2].tolist(), key=lambda e: e[1])  # the bar's
    foot = ends[:, 0].max()
    return bool(cy - top < BAR_TOP * height and foot - top > STEM_FOOT * height
                and max(abs(ly - cy), abs(ry - cy)) < BAR_LEVEL * height
                and min(cx - lx, rx - cx) > ARMS * width)


def two_legs(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when two stroke ends lie in the lowest LEGS_BAND of the
    ink's height, LEGS_APART of its width apart."""
    ink = pixels > INK
    box = mask_box(ink)
    if box is None:
        return False
    t, b, l, r = box
    ends = strokes(ink)[0]
    low = ends[ends[:, 0] >= b - 1 - LEGS_BAND * (b - t), 1]  # (j,) their x
    return len(low) >= 2 and low.max() - low.min() >= LEGS_APART * (r - l)


def bowl(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when the ink encloses a region of BOWL pixels or more."""
    paper, inside = _holes(pixels)
    return bool(len(inside)) and int(paper.area[inside].max()) >= BOWL


def broken_ring(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when its strokes have ZERO_ENDS ends or more."""
    return len(strokes(pixels > INK)[0]) >= ZERO_ENDS


_AGAINST = {STRUCK_S: lambda pixels: holes(pixels) == 2, STANDING: two_legs, TEE: tee, BOWLED: bowl,
            RING: broken_ring}


def holes(pixels: np.ndarray) -> int:
    """(28, 28) float32 in [0, 1] -> how many regions of paper (2 pixels or more) the ink encloses."""
    return len(_holes(pixels)[1])


def holes_side_by_side(pixels: np.ndarray) -> bool:
    """(28, 28) float32 in [0, 1] -> True when two enclosed regions (3 pixels or more) lie side by
    side, overlapping over half the shorter one's height: two digits' loops (a 00, 08, 69 read as
    one digit), seldom one digit's (validation digits: 12 of 10,000, mostly 6s)."""
    paper, inside = _holes(pixels)
    inside = inside[paper.area[inside] >= 3]
    t, b, l, r = paper.top[inside], paper.bottom[inside], paper.left[inside], paper.right[inside]
    apart = r[:, None] <= l[None, :]  # (k, k): region i wholly left of region j
    overlap = np.minimum(b[:, None], b[None, :]) - np.maximum(t[:, None], t[None, :])
    return bool((apart & (overlap >= 0.5 * np.minimum.outer(b - t, b - t))).any())


def _holes(pixels: np.ndarray) -> tuple[Components, np.ndarray]:
    """The paper's components and the indices of those the ink encloses (2 pixels or more)."""
    paper = label(pixels <= INK)
    return paper, np.flatnonzero(is_enclosed(paper, pixels.shape) & (paper.area >= 2))


_RADII = np.arange(0, 16, 0.25)  # (steps,) pixels out from the centre, a quarter pixel apart
_ANGLES = np.linspace(0, 2 * np.pi, ROUND_RAYS, endpoint=False)
_RAYS = np.stack([np.outer(np.sin(_ANGLES), _RADII), np.outer(np.cos(_ANGLES), _RADII)])  # (2, rays, steps) dy, dx

# The 8 neighbours clockwise from north (Zhang and Suen's P2..P9), as planes of
# filters.neighbourhood3 (row by row, 4 the pixel itself); bit k of a pixel's code is neighbour k.
_AROUND = (1, 2, 5, 8, 7, 6, 3, 0)
_STEPS = tuple((p // 3 - 1, p % 3 - 1) for p in _AROUND)  # the same as (dy, dx)
_BITS = (np.arange(256)[:, None] >> np.arange(8)) & 1  # (256, 8): each code's neighbours
_NEIGHBOURS = _BITS.sum(axis=1)  # (256,) how many neighbours
# (256,) 0 -> 1 steps around a pixel: 1 along a stroke, 3 or more where strokes cross
_TRANSITIONS = ((_BITS == 0) & (np.roll(_BITS, -1, axis=1) == 1)).sum(axis=1)
_P = _BITS.T  # (8, 256): P2..P9 of every code
_THINNABLE = (_NEIGHBOURS >= 2) & (_NEIGHBOURS <= 6) & (_TRANSITIONS == 1)
_REMOVABLE = np.stack([  # (2, 256): may a stroke pixel with this code go, in sub-iteration 0 or 1
    _THINNABLE & (_P[0] * _P[2] * _P[4] == 0) & (_P[2] * _P[4] * _P[6] == 0),
    _THINNABLE & (_P[0] * _P[2] * _P[6] == 0) & (_P[0] * _P[4] * _P[6] == 0)])


def _codes(b: np.ndarray) -> np.ndarray:
    """(h, w) 0/1 -> (h, w) uint8: each pixel's 8 neighbours as bits."""
    return _codes_padded(np.pad(b.astype(np.uint8), 1))


def _codes_padded(p: np.ndarray) -> np.ndarray:
    """(h + 2, w + 2) uint8 0/1, a zero border -> (h, w) uint8: the inner pixels' neighbour codes."""
    planes = neighbourhood3(p)
    codes = np.zeros(planes[4].shape, np.uint8)
    for k, plane in enumerate(_AROUND):
        codes |= planes[plane] << k
    return codes


def strokes(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h, w) bool -> the ends of its strokes thinned to one pixel, specks dropped ((k, 2) y, x),
    and where they cross ((h, w) bool: pixels where 3 or more branches meet); read-only arrays.
    The same 28x28 is judged before the network (fit_digit) and after it (contradicts): it is
    thinned once, also in a batch (predict_many fits every image before the network runs)."""
    return _strokes(np.ascontiguousarray(ink, bool).tobytes(), ink.shape)


@lru_cache(maxsize=1024)  # a CLI chunk's 256 images, a reading or two each; 2 KB an entry
def _strokes(bits: bytes, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    s = _without_specks(skeleton(np.frombuffer(bits, bool).reshape(shape)))
    codes = _codes(s)
    ends, crossings = np.argwhere((s == 1) & (_NEIGHBOURS[codes] == 1)), (s == 1) & (_TRANSITIONS[codes] >= 3)
    ends.flags.writeable = crossings.flags.writeable = False  # shared by every caller of the cache
    return ends, crossings


def skeleton(ink: np.ndarray) -> np.ndarray:
    """(h, w) bool -> (h, w) uint8, 1 on the one-pixel-wide skeleton."""
    padded = np.pad(ink.astype(np.uint8), 1)  # thinned in place: no padding per pass
    b = padded[1:-1, 1:-1]
    changed = True
    while changed:
        changed = False
        for removable in _REMOVABLE:  # Zhang and Suen's two sub-iterations
            gone = (b == 1) & removable[_codes_padded(padded)]
            if gone.any():
                b[gone] = 0
                changed = True
    return b.copy()


def _without_specks(s: np.ndarray) -> np.ndarray:
    """Pieces of skeleton shorter than SPECK pixels from end to end (dust, a speck) removed."""
    s = s.copy()
    counts = _NEIGHBOURS[_codes(s)]
    for y, x in zip(*np.nonzero((s == 1) & (counts <= 1))):
        path = _walk(s, counts, y, x)
        if len(path) < SPECK and counts[path[-1]] <= 1:
            s[tuple(np.array(path).T)] = 0
    return s


def _walk(s: np.ndarray, counts: np.ndarray, y: int, x: int) -> list[tuple[int, int]]:
    """The pixels from an end along its stroke, up to SPECK of them, to another end or up to
    (not with) a crossing."""
    path, prev = [(y, x)], None
    while len(path) < SPECK:
        nxt = [(y + dy, x + dx) for dy, dx in _STEPS
               if 0 <= y + dy < s.shape[0] and 0 <= x + dx < s.shape[1] and s[y + dy, x + dx]
               and (y + dy, x + dx) != prev]
        if len(nxt) != 1 or counts[nxt[0]] >= 3:
            return path
        prev, (y, x) = (y, x), nxt[0]
        path.append((y, x))
    return path
