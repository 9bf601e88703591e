"""Which marks of a photo of a line of digits are its digits, and which pieces belong together.

What it is: line_groups(components, shape) -> (each digit-sized mark with its pieces, left to
right; the line's digit height; the writing's slant). Dust, specks, underlines, grid stubs,
marks off the line and marks at the image's border (the page's edge, the table) are dropped;
the line's digit height and the writing's slant (cuts.py) estimated; pieces of one digit
merged (columns shared along the slant: a 5's detached bar, a 4 or a 7 in two strokes, a
stroke broken by a ruling line); marks much fainter than the others (a grid line's remnant)
dropped.
What it isn't: the cutting of touching digits (cuts.py, segment.py) or their fitting.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from mnist_edge.image import filters
from mnist_edge.image.components import Components
from mnist_edge.image.cuts import sheared, slant_of

DUST = 0.01  # marks under this share of the largest one's area (and under 5 px) are dust
LINE_MARK = 0.3  # marks of at least this x the upper-quartile area give the line's digit height
MINOR = 0.1  # ... counting only marks of at least this x the largest one's area
SMALL = 0.5  # marks lower than this x the line height are pieces (a bar, a broken stroke's end)
SPECK = 0.35  # pieces lower than this (and belonging to no digit) are specks: dropped
TALL, DASH = 2.2, 3.0  # marks taller than TALL x the height, or DASH x wider than tall: not digits
OVERLAP = 0.5  # marks sharing this share of the narrower one's columns are one digit's pieces
STACK_GAP = 0.5  # ... when the vertical gap between them is under this x the line height
STACKED_TALL = 2.0  # ... and together at most this x the line height tall (1.6, 1.8, 2.0, 2.3
# compared on validation numbers: a broken digit's pieces stand tall against a height from pieces)
FRAMED = 0.2  # marks at the image's side narrower than this x the height: a line's piece
LINED = 0.6  # marks with more of their pixels on ruling lines are what is left of the lines,
LINED_TALL = 0.8  # ... unless 0.8-1.3 x the line's height tall: a 1 written along a grid line
# (validation numbers, seeds 1 and 2: squared +0 and +2 of 80; seeds 4 and 5 +1 and 0)
# A mark whose mean ink is under FAINT_MARK x the line's median mark's is what is left of a grid
# line or a shadow, not a digit: one pen wrote them all (validation numbers, squared paper,
# seeds 1 and 2: +0 and +3 of 100, seeds 21 and 22: +1 and +1; no other condition changed).
FAINT_MARK = 0.3
BAND = 0.6  # a digit's centre lies within this x the height of the line's centre line
BORDER_PIECE = 1.5  # a mark at the border wider than this x the height is no digit's piece


def line_groups(c: Components, shape: tuple[int, int],
                height: float | None = None) -> tuple[list[np.ndarray], float, float]:
    """-> (labels of each digit-sized mark with its pieces, left to right; the line's digit height;
    its slant, dx/dy of the upright strokes). Columns are compared along the slant.

    The height is first the marks' (_line_height); where most digits are broken, their pieces
    make it too low, so the marks are grouped again with the groups' own upper-quartile height
    when that is higher (validation numbers, seeds 1 and 2: broken +8 and +5 of 80). Pieces of
    no digit, each too short for one, that stack up to SMALL x the height are one digit
    (seeds 1 and 2: +0 and +1; seeds 4 and 5: +2 and +2)."""
    if c.count == 0:
        return [], 0.0, 0.0
    heights, widths = c.bottom - c.top, c.right - c.left
    lined = getattr(c, "lined", np.zeros(c.count))
    sized = c.area >= max(5, DUST * c.area.max())
    keep = sized & (lined <= LINED)
    inner = keep & ~c.on_border
    if inner.any():
        keep = inner | (keep & c.on_border & (heights < shape[0] - 2) & (widths < shape[1] - 2))
    if not keep.any():
        return [], 0.0, 0.0
    given, unsheared = height, c
    height = height or _line_height(c, keep & (~c.on_border if inner.any() else keep))
    at_side = (c.left <= 2) | (c.right >= shape[1] - 2)  # at the image's left or right edge
    keep = _digit_like(c, keep | (sized & ~c.on_border & (heights >= LINED_TALL * height)
                                  & (heights <= 1.3 * height)), height, at_side)
    slant = slant_of(c, keep, shape[0] / 2)
    c = sheared(c, slant, shape[0] / 2)
    big = keep & (heights >= SMALL * height)
    inner_big = big & ~c.on_border  # a grid's stubs along the frame must not pull the line to it
    on_line = _on_line(c, inner_big if inner_big.any() else big, height)
    big &= on_line
    groups = _merge(c, np.flatnonzero(big), height)
    groups = _with_pieces(c, groups, np.flatnonzero(keep & ~big), on_line, height)
    groups = [g for g in groups if not (at_side[g].all()  # a line along the frame, in pieces
                                        and c.bottom[g].max() - c.top[g].min() > 1.6 * height)]
    groups = _not_faint(c, groups)
    if given is None and groups:
        merged = filters.quantile(np.array([c.bottom[g].max() - c.top[g].min() for g in groups]), 0.75)
        if merged > height:
            return line_groups(unsheared, shape, float(merged))
    centre = [(c.left[g].min() + c.right[g].max()) / 2 for g in groups]
    return [np.array(groups[k]) for k in np.argsort(centre, kind="stable")], height, slant


def _not_faint(c: Components, groups: list[list[int]]) -> list[list[int]]:
    """groups without those whose mean ink is under FAINT_MARK x the median group's: what is left
    of a grid line or a shadow beside the digits one pen wrote."""
    if len(groups) < 2:
        return groups
    strength = np.array([c.mass[g].sum() / max(1, c.area[g].sum()) for g in groups])
    return [g for g, s in zip(groups, strength) if s >= FAINT_MARK * np.median(strength)]


def _digit_like(c: Components, keep: np.ndarray, height: float, at_side: np.ndarray) -> np.ndarray:
    """keep without the marks no digit makes: too tall or too wide, tall or tiny at the border, a
    ruling line's stub along the frame (at_side: at the image's left or right edge), an underline."""
    heights, widths = c.bottom - c.top, c.right - c.left
    keep = keep & (heights <= TALL * height) & (widths <= DASH * np.maximum(heights, 1) + 2 * height)
    keep &= ~(c.on_border & ((heights > 1.6 * height) | (heights < SMALL * height)))
    keep &= ~(at_side & (widths < FRAMED * height) & (heights < 0.8 * height))  # a ruling line's
    # stub along the frame (a 1 at the edge of a tight crop is as tall as the digits)
    keep &= ~((widths > DASH * heights) & (heights < SMALL * height) & (widths > height))  # an underline
    # (a shorter dash stays: a 5's detached bar, a 7's, which go to the digit below them)
    return keep


def _with_pieces(c: Components, groups: list[list[int]], pieces: np.ndarray, on_line: np.ndarray,
                 height: float) -> list[list[int]]:
    """Each piece to the digit it belongs to (_owner); else, on the line and off the border, a
    digit of its own when not too short (SPECK), or with other such pieces stacked to SMALL x the
    height (a small digit in two strokes: a flat 5)."""
    heights = c.bottom - c.top
    left = []  # pieces of no digit, too short to be one
    for i in pieces[np.argsort(-heights[pieces], kind="stable")]:  # taller first: a 5's body, then its bar
        if c.on_border[i] and c.right[i] - c.left[i] > BORDER_PIECE * height:
            continue  # a grid's or the table's remnant along the frame, no digit's piece
        g = _owner(c, groups, i, height)
        if g is not None:
            groups[g].append(int(i))
        elif heights[i] >= SPECK * height and on_line[i] and not c.on_border[i]:
            groups.append([int(i)])
        elif on_line[i] and not c.on_border[i]:
            left.append(int(i))
    return groups + [g for g in _merge(c, np.array(left, int), height)
                     if len(g) > 1 and c.bottom[g].max() - c.top[g].min() >= SMALL * height]


def _on_line(c: Components, big: np.ndarray, height: float) -> np.ndarray:
    """(n,) bool: the mark's centre is within BAND x the height of the line through the big marks'
    centres (least squares: a slightly rotated line), not a line's stub above or below it."""
    x, y = (c.left + c.right) / 2, (c.top + c.bottom) / 2
    if big.sum() >= 3:
        slope, offset = np.polyfit(x[big], y[big], 1, w=c.area[big].astype(float))
        slope = float(np.clip(slope, -0.15, 0.15))
        offset = float(np.median(y[big] - slope * x[big]))
    else:
        slope, offset = 0.0, float(np.median(y[big])) if big.any() else 0.0
    return np.abs(y - (slope * x + offset)) <= BAND * height


def _line_height(c: Components, among: np.ndarray) -> float:
    """The upper-quartile height of the digit-sized marks (area at least LINE_MARK x the upper
    quartile of the marks of at least MINOR x the largest area): the pieces of broken digits
    are many and short, the whole digits alike, a grid's stubs many and small."""
    among = among & (c.area >= MINOR * c.area[among].max())
    areas = c.area[among]
    upper = filters.quantile(areas, 0.75)
    tall = among & (c.area >= LINE_MARK * upper)
    return float(filters.quantile(c.bottom[tall] - c.top[tall], 0.75))


def _overlap(c: Components, a: list[int], b: list[int]) -> tuple[float, float]:
    """-> (shared columns / the narrower one's width, vertical gap) of two groups of marks."""
    la, ra, lb, rb = c.left[a].min(), c.right[a].max(), c.left[b].min(), c.right[b].max()
    shared = min(ra, rb) - max(la, lb)
    gap = max(0, max(c.top[b].min() - c.bottom[a].max(), c.top[a].min() - c.bottom[b].max()))
    return shared / max(1, min(ra - la, rb - lb)), float(gap)


def _merge(c: Components, labels: np.ndarray, height: float) -> list[list[int]]:
    """Digit-sized marks that share most of their columns, stacked closely, joined (repeatedly)."""
    groups = [[int(i)] for i in labels[np.argsort(c.left[labels], kind="stable")]]
    merged = True
    while merged:
        merged = False
        for a, b in combinations(range(len(groups)), 2):
            share, gap = _overlap(c, groups[a], groups[b])
            both = groups[a] + groups[b]
            tall = c.bottom[both].max() - c.top[both].min()
            if share >= OVERLAP and gap <= STACK_GAP * height and tall <= STACKED_TALL * height:
                groups[a] = both
                del groups[b]
                merged = True
                break
    return groups


def _owner(c: Components, groups: list[list[int]], i: int, height: float) -> int | None:
    """The group a small piece belongs to: the one sharing most of its columns, close above or below."""
    best, most = None, 0.3
    for k, g in enumerate(groups):
        share, gap = _overlap(c, g, [i])
        near = max(0, c.left[g].min() - c.right[i], c.left[i] - c.right[g].max())
        share = max(share, 0.31 if near <= 0.05 * height else 0.0)
        if share > most and gap <= STACK_GAP * height:
            best, most = k, share
    return best
