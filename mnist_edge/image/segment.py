"""One handwritten line of digits in a photo: its marks cut into candidate digits, left to right.

What it is: segment(img) -> Segmentation. The photo goes through the very steps of one digit's
(digit.analysed_grey, background.ink_signal, digit.find_marks: Sauvola, connected components),
except that ruling and grid lines are taken out only where no stroke crosses them. Then the
line's marks are chosen: dust, specks, underlines, grid stubs, marks off the line and marks at
the image's border (the page's edge, the table) dropped; the line's digit height and the
writing's slant (cuts.py) estimated; pieces of one digit merged (columns shared along the slant:
a 5's detached bar, a 4 or a 7 in two strokes, a stroke broken by a ruling line), two narrow
close neighbours also offered as one digit; marks too wide for one digit (touching neighbours)
get ways of cutting (cuts.py), along the writing's slant and, in the widest, tilted from it (two
touching digits often meet where an upright cut slices one of them). Every candidate (a whole
mark, or each piece of a way of cutting it) is fitted as MNIST (digit.fit_core); the caller
runs them through the network in one batch and keeps, for each mark, the way whose digits are
likeliest (segmentation by recognition, mnist_edge.reading). Marks are ordered by their centre
along the slant, which holds for a slanted or slightly rotated line.
What it isn't: the network, or the choice between ways of cutting (mnist_edge.reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from PIL import Image

from mnist_edge.image import background as bg
from mnist_edge.image.components import Components, label
from mnist_edge.image.cuts import sheared, slant_of, ways
from mnist_edge.image.digit import WIDE_STROKE, Marks, analysed_grey, find_marks, fit_core, stroke_width
from mnist_edge.image.holes import label_image
from mnist_edge.image.load import FULL_SIZE

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
JOINED, NEAR = 0.9, 0.15  # neighbours this close (x height) and together this narrow may be one digit
FRAMED = 0.2  # marks at the image's side narrower than this x the height: a line's piece
LINED = 0.6  # marks with more of their pixels on ruling lines are what is left of the lines,
LINED_TALL = 0.8  # ... unless 0.8-1.3 x the line's height tall: a 1 written along a grid line
# (validation numbers, seeds 1 and 2: squared +0 and +2 of 80; seeds 4 and 5 +1 and 0)
BAND = 0.6  # a digit's centre lies within this x the height of the line's centre line
CUT = 3  # px of a mark's strokes sliced at a cut
CUT_SLANTS = (0.0, -0.15, 0.15)  # cuts along the writing's slant plus each of these (dx/dy)
SLANTED_FROM = 1.2  # ... the tilted ones only in marks at least this x the height wide (speed)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (end-exclusive), image pixels


@dataclass
class Segmentation:
    """Candidate digits of one photo and, for each mark left to right, its ways of cutting."""

    pixels: np.ndarray  # (n, 28, 28) float32: every candidate digit, MNIST-placed
    boxes: list[Box]  # each candidate's box in the photo's pixels
    marks: list[list[tuple[int, ...]]] = field(default_factory=list)  # per mark: options, each a
    # tuple of candidate indices left to right (one index: the mark read as one digit)
    reason: str = ""  # why no digit was found, when marks is empty
    height: float = 0.0  # the line's digit height in the photo's pixels


def segment(img: Image.Image, source: str = "<image>", size: tuple[int, int] | None = None) -> Segmentation:
    """A photo of one line of digits -> its candidates; boxes in pixels of `size` (default img.size)."""
    gray, flat, factor = analysed_grey(img, source)
    signal = bg.ink_signal(gray, flat)
    seg, box = segment_signal(signal)
    if signal.cell and box is not None:  # thick strokes: the background's window must be wider
        width = stroke_width(signal, box)
        if width > WIDE_STROKE * signal.cell:
            seg, _ = segment_signal(bg.ink_signal(gray, flat, int(width / WIDE_STROKE)))
    w, h = size or img.info.get(FULL_SIZE, img.size)  # a drafted JPEG's boxes in its full pixels
    fx, fy = factor * w / img.size[0], factor * h / img.size[1]
    seg.height *= fy
    seg.boxes = [(min(int(l * fx), w), min(int(t * fy), h), min(int(np.ceil(r * fx)), w),
                  min(int(np.ceil(b * fy)), h)) for l, t, r, b in seg.boxes]
    return seg


def segment_signal(signal: bg.InkSignal) -> tuple[Segmentation, tuple[int, int, int, int] | None]:
    """-> (candidates with boxes in analysed pixels, the (t, b, l, r) box of all the line's marks)."""
    marks = find_marks(signal, crossings=True)
    empty = np.zeros((0, 28, 28), np.float32)
    if marks is None:
        return Segmentation(empty, [], reason="nothing stands out of the paper"), None
    if marks.lines is not None:  # each mark's share of pixels on a ruling line: a grid's stub
        ids = label_image(marks.comps, marks.s.shape)
        on = marks.lines & (ids >= 0)
        marks.comps.lined = np.bincount(ids[on], minlength=marks.comps.count) / np.maximum(marks.comps.area, 1)
    groups, height, slant = line_groups(marks.comps, marks.s.shape)
    if not groups:
        return Segmentation(empty, [], reason="no digit-sized marks"), None
    seg = _candidates(marks, groups, height, slant)
    seg.height = height
    if not seg.marks:
        seg.reason = "no ink in the digits' boxes"
    c = marks.comps
    every = np.concatenate(groups)
    return seg, (int(c.top[every].min()), int(c.bottom[every].max()), int(c.left[every].min()),
                 int(c.right[every].max()))


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
    keep |= sized & ~c.on_border & (heights >= LINED_TALL * height) & (heights <= 1.3 * height)
    keep &= (heights <= TALL * height) & (widths <= DASH * np.maximum(heights, 1) + 2 * height)
    keep &= ~(c.on_border & ((heights > 1.6 * height) | (heights < SMALL * height)))
    at_side = (c.left <= 2) | (c.right >= shape[1] - 2)  # at the image's left or right edge
    keep &= ~(at_side & (widths < FRAMED * height) & (heights < 0.8 * height))  # a ruling line's
    # stub along the frame (a 1 at the edge of a tight crop is as tall as the digits)
    keep &= ~((widths > DASH * heights) & (heights < SMALL * height) & (widths > height))  # an underline
    # (a shorter dash stays: a 5's detached bar, a 7's, which go to the digit below them)
    slant = slant_of(c, keep, shape[0] / 2)
    c = sheared(c, slant, shape[0] / 2)
    big = keep & (heights >= SMALL * height)
    on_line = _on_line(c, big, height)
    big &= on_line
    groups = _merge(c, np.flatnonzero(big), height)
    pieces = np.flatnonzero(keep & ~big)
    left = []  # pieces of no digit, too short to be one
    for i in pieces[np.argsort(-heights[pieces], kind="stable")]:  # taller first: a 5's body, then its bar
        g = _owner(c, groups, i, height)
        if g is not None:
            groups[g].append(int(i))
        elif heights[i] >= SPECK * height and on_line[i] and not c.on_border[i]:
            groups.append([int(i)])
        elif on_line[i] and not c.on_border[i]:
            left.append(int(i))
    for g in _merge(c, np.array(left, int), height):  # such pieces stacked: a small digit in two
        if len(g) > 1 and c.bottom[g].max() - c.top[g].min() >= SMALL * height:  # strokes (a flat 5)
            groups.append(g)
    groups = [g for g in groups if not (at_side[g].all()  # a line along the frame, in pieces
                                        and c.bottom[g].max() - c.top[g].min() > 1.6 * height)]
    if given is None and groups:
        merged = bg.quantile(np.array([c.bottom[g].max() - c.top[g].min() for g in groups]), 0.75)
        if merged > height:
            return line_groups(unsheared, shape, float(merged))
    centre = [(c.left[g].min() + c.right[g].max()) / 2 for g in groups]
    return [np.array(groups[k]) for k in np.argsort(centre, kind="stable")], height, slant


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
    upper = bg.quantile(areas, 0.75)
    tall = among & (c.area >= LINE_MARK * upper)
    return float(bg.quantile(c.bottom[tall] - c.top[tall], 0.75))


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


def _candidates(marks: Marks, groups: list[np.ndarray], height: float, slant: float) -> Segmentation:
    """Every mark's ways of cutting, fitted; two narrow neighbours also as one digit (a digit
    broken side by side), the network deciding which it is."""
    owner = label_image(marks.comps, marks.s.shape)  # (H, W) component label per pixel, -1 off the mask
    along = sheared(marks.comps, slant, marks.s.shape[0] / 2)
    out: tuple[list, list] = ([], [])  # pixels, boxes of the candidates
    options_per_mark = []
    k = 0
    while k < len(groups):
        options = _options(marks, owner, groups[k], height, slant, out)
        if k + 1 < len(groups) and _joinable(along, groups[k], groups[k + 1], height):
            alone = _options(marks, owner, groups[k + 1], height, slant, out)
            joined = _options(marks, owner, np.concatenate(groups[k : k + 2]), height, slant, out)
            options = [a + b for a in options[:1] for b in alone[:1]] + joined[:1]
            k += 1
        if options:
            options_per_mark.append(options)
        k += 1
    stacked = np.stack(out[0]) if out[0] else np.zeros((0, 28, 28), np.float32)
    return Segmentation(stacked, out[1], options_per_mark)


def _joinable(c: Components, a: np.ndarray, b: np.ndarray, height: float) -> bool:
    """Two neighbouring marks close enough and together narrow enough to be one digit."""
    wide = max(c.right[a].max(), c.right[b].max()) - min(c.left[a].min(), c.left[b].min())
    return c.left[b].min() - c.right[a].max() <= NEAR * height and wide <= JOINED * height


def _options(marks: Marks, owner: np.ndarray, g: np.ndarray, height: float, slant: float,
             out: tuple[list, list]) -> list[tuple[int, ...]]:
    """The ways of cutting the mark made of components g, each fitted: tuples of candidate
    indices (the first way, when the mark is not too wide, is the whole mark)."""
    c, s, sb = marks.comps, marks.s, marks.sb
    pad = max(4, int(0.15 * height))
    t, b = max(0, int(c.top[g].min()) - pad), int(c.bottom[g].max()) + pad
    l, r = max(0, int(c.left[g].min()) - pad), int(c.right[g].max()) + pad
    own = owner[t:b, l:r]  # (h, w)
    core = np.isin(own, g)
    others = (own >= 0) & ~core
    others = bg.box_blur(others.astype(np.float32), 5) > 0  # their faint edges too
    s_crop = np.where(others & ~core, 0.0, s[t:b, l:r]).astype(np.float32)
    sb_crop = np.where(others & ~core, 0.0, sb[t:b, l:r]).astype(np.float32)
    rows, cols = np.mgrid[t : t + core.shape[0], l : l + core.shape[1]]
    fitted: dict[tuple[float, int, int], int | None] = {}
    options = []
    for k in CUT_SLANTS:
        xs = cols - (slant + k) * (rows - s.shape[0] / 2)  # (h, w) position along the cut's slant
        xs = np.floor(xs - xs.min()).astype(int)
        if k and np.ptp(xs[core]) < SLANTED_FROM * height:
            break  # narrow enough to be one digit, or two narrow ones: the writing's slant only
        for spans in ways(core, xs, height):
            if k and len(spans) == 1:
                continue  # the whole mark: once
            ids = []
            for span in spans:
                if (k, *span) not in fitted:
                    fitted[(k, *span)] = _fit_span(core, xs, s_crop, sb_crop, span, marks, *out, (t, l))
                ids.append(fitted[(k, *span)])
            if None not in ids and tuple(ids) not in options:
                options.append(tuple(ids))
    return options


def _fit_span(core, xs, s_crop, sb_crop, span, marks: Marks, pixels: list, boxes: list, origin) -> int | None:
    """Fit the part of the core between the cuts at span[0] and span[1] (of xs) as one digit;
    -> its candidate index (None: no ink)."""
    piece = _between(core, xs, span)
    if piece.sum() < 3:
        return None
    keep = bg.box_blur(piece.astype(np.float32), 5) > 0  # the piece and its faint edges
    got = fit_core(piece, s_crop * keep, sb_crop * keep, marks.noise, marks.small)
    if got is None:
        return None
    pixels.append(got[0])
    t, b, l, r = got[1]
    boxes.append((origin[1] + l, origin[0] + t, origin[1] + r, origin[0] + b))
    return len(pixels) - 1


def _between(core: np.ndarray, xs: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    """(h, w) bool: the strokes between two cuts. Only a CUT-wide band at each cut is sliced; the
    pieces the slicing leaves go whole to the side holding most of them, so a stroke reaching
    over its neighbour (a 7's bar, a 4's arm) stays with its digit."""
    a, b = span
    band = (np.abs(xs - a) <= CUT // 2) | (np.abs(xs - b) <= CUT // 2)
    rest = core & ~band
    pieces = label(rest, np.ones(core.shape, np.float32))
    ids = label_image(pieces, core.shape)  # (h, w) piece per pixel, -1 elsewhere
    mean_x = np.bincount(ids[rest], xs[rest], pieces.count) / np.maximum(pieces.area, 1)
    inside = np.append((mean_x >= a) & (mean_x < b), False)  # (pieces + 1,): the last for -1
    return (rest & inside[ids]) | (core & band & (xs >= a) & (xs < b))
