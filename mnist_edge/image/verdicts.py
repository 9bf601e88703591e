"""What the layout of the marks chosen as a digit says against it being one digit.

What it is: not_one_digit(components, group, allowed) -> "" or why not, in words: digit-sized
marks side by side (two digits, a word), or a dot under a stroke (! or ?): a small, roundish
mark just below the rest's lower end, with no other mark around. Decided on the components
(marks.py), before the network sees anything.
What it isn't: the choice of the digit's marks (digit.py) or the network's refusal
(calibration.py); shapes with no telling layout (a #, an @, a $) are shape.py's, on the 28x28.
"""

from __future__ import annotations

import numpy as np

from mnist_edge.image.components import Components, among, box_gaps, group_box

SIDE_BY_SIDE = 0.6  # marks at least this x the group's height are digit-sized
# A dot is at most DOT x the height of the stroke above it, DOT_GAP to DOT_FAR of that height
# below it, centred under the stroke's lowest DOT_END of rows. Fonts' and hands' ! and ? (validation
# non-digits, seed 16: gaps 0.06-0.26 of the stroke's height) leave such a dot; a digit's broken
# stroke seldom does, and stray specks come several together. Validation photos of digits, every
# condition, seeds 12 and 13: 1 of 8,640 refused; non-digits seeds 14 and 15: symbols refused 56 ->
# 64 and 45 -> 55 of 100, every other kind the same. What a ruling line taken out leaves beside a
# stroke is no dot (ruled and squared validation photos, seeds 12-14: 3, 1, 2 of 600 refused -> 0;
# ruled paper at severity 3 alone, 400 seeds: 13 -> 0).
DOT, DOT_GAP, DOT_FAR, DOT_END = 0.6, 0.05, 0.3, 0.15
# A dot is at most DOT_ASPECT x taller than wide, or wider than tall. 3 (some fonts' ! end in a
# short dash) refused 53 instead of 45 of 60 font !s, but 3 more validation digit photos (seeds
# 14 and 15) for 1 more non-digit; with DOT_FAR 0.55 as well, 6 digit photos of 17,280 (12-15).
DOT_ASPECT = 2
# Another mark SIDE_BY_SIDE x as tall as the digit, with RIVAL of its ink, is a rival digit. A 1
# is one stroke: against another validation digit it holds about half the ink, under 0.42 for a
# quarter of pairs and 0.33 for a tenth. At 0.4 a 1 written beside a digit was taken for a stray
# mark and the other digit read (9 of 17 two-digit photos that passed, validation seeds
# 12 and 13). 0.4 -> 0.25 there: non-digits refused +3 and +6 of 480, every digit photo and 28x28
# the same (0.15: one letter more); seeds 14 and 15, used for no choice: +0 and +3, digits the
# same.
RIVAL = 0.25


def not_one_digit(c: Components, group: list[int], allowed: np.ndarray) -> str:
    """"" if the group of components is one digit; else why not. allowed: (n,) bool, the
    components that count as marks (not dust, not the page's border)."""
    others = allowed & ~among(np.arange(c.count), group, c.count)
    t, b, _, _ = group_box(c, group)
    if _side_by_side(c, group, b - t):
        return "two digit-sized marks side by side"
    rivals = others & (c.bottom - c.top >= SIDE_BY_SIDE * (b - t)) & (c.mass >= RIVAL * c.mass[group].sum())
    if rivals.any():
        return "several digit-sized marks"
    if _dot_under_a_stroke(c, group, allowed):
        return "a dot under a stroke (! or ?), not a digit"
    return ""


def _side_by_side(c: Components, group: list[int], height: int) -> bool:
    mass = c.mass[group].sum()
    big = [i for i in group if c.bottom[i] - c.top[i] >= SIDE_BY_SIDE * height and c.mass[i] >= 0.25 * mass]
    return any(c.right[i] <= c.left[j] or c.right[j] <= c.left[i] for i in big for j in big if i < j)


def _dot_under_a_stroke(c: Components, group: list[int], allowed: np.ndarray) -> bool:
    h, w = c.bottom - c.top, c.right - c.left
    compact = (c.area >= 0.5 * h * w) & (h <= DOT_ASPECT * w) & (w <= DOT_ASPECT * h)  # (n,)
    roundish = allowed & ~c.beside_ruling & compact
    for i in np.flatnonzero(roundish):
        rest = [j for j in group if j != i]
        if rest and _under_its_end(c, rest, i) and _alone(c, rest, i, allowed):
            return True
    return False


def _under_its_end(c: Components, rest: list[int], i: int) -> bool:
    """Component i is small, just below the rest and centred under the rest's lowest rows."""
    t, b, _, _ = group_box(c, rest)
    height, gap = b - t, c.top[i] - b
    if max(c.bottom[i] - c.top[i], c.right[i] - c.left[i]) > DOT * height:
        return False
    if not DOT_GAP * height <= gap <= DOT_FAR * height:
        return False
    lowest = among(c.label, rest, c.count) & (c.row >= b - max(2, DOT_END * height))  # (R,) runs
    centre = (c.left[i] + c.right[i]) / 2
    return bool(c.start[lowest].min() <= centre <= c.end[lowest].max())


def _alone(c: Components, rest: list[int], i: int, allowed: np.ndarray) -> bool:
    """No mark but the dot within the rest's height of the rest's box."""
    t, b, l, r = group_box(c, rest)
    gap_y, gap_x = box_gaps(c, (t, b, l, r))  # (n,) each
    near = allowed & (np.maximum(gap_y, gap_x) <= b - t)
    near[rest], near[i] = False, False
    return not near.any()
