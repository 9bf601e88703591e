"""One handwritten line of digits in a photo: its marks cut into candidate digits, left to right.

What it is: segment(img) -> Segmentation. The photo goes through the very steps of one digit's
(grey.analysed_grey, background.ink_signal, marks.find_marks: Sauvola, connected components),
except that ruling and grid lines are taken out only where no stroke crosses them. The line's
marks are chosen and their pieces grouped (line.py); two narrow close neighbours are also
offered as one digit; marks too wide for one digit (touching neighbours) get ways of cutting
(cuts.py: straight cuts, and paths crossing the least ink where digits overlap), along the
writing's slant and, in the widest, tilted from it (two touching digits often meet where an
upright cut slices one of them). Every candidate (a whole mark, or each piece of a way of
cutting it) is fitted as MNIST (digit.fit_core); the caller runs them through the network in
one batch and keeps, for each mark, the way whose digits are likeliest (segmentation by
recognition, mnist_edge.reading). Marks are ordered by their centre along the slant, which
holds for a slanted or slightly rotated line.
What it isn't: the network, or the choice between ways of cutting (mnist_edge.reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from mnist_edge.image import background as bg
from mnist_edge.image import filters
from mnist_edge.image.components import Components, among, label
from mnist_edge.image.cuts import sheared, ways
from mnist_edge.image.digit import REMEASURE, WIDE_STROKE, fit_core
from mnist_edge.image.grey import analysed_grey
from mnist_edge.image.holes import label_image
from mnist_edge.image.line import line_groups
from mnist_edge.image.load import FULL_SIZE
from mnist_edge.image.marks import Marks, find_marks

JOINED, NEAR = 0.9, 0.15  # neighbours this close (x height) and together this narrow may be one digit
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
    if min(gray.shape) < bg.DIGIT_SIDE:  # else the grid's stubs read as 1s, faint digits are lost
        gray, up = bg.enlarged(gray)
        factor /= up
    signal = bg.ink_signal(gray, flat)
    seg, box = segment_signal(signal)
    if signal.cell and box is not None:  # thick strokes: the background's window must be wider
        width = bg.stroke_width(signal, box)
        if width > REMEASURE * signal.cell:
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
    core = among(own, g, c.count)
    others = (own >= 0) & ~core
    others = filters.box_blur(others.astype(np.float32), 5) > 0  # their faint edges too
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
        all_ways, paths = ways(core, xs, height)
        for spans in all_ways:
            if k and len(spans) == 1:
                continue  # the whole mark: once
            ids = []
            for span in spans:
                if (k, *span) not in fitted:
                    cuts = [paths.get(a, a) for a in span]  # the mark's edges: straight
                    fitted[(k, *span)] = _fit_span(core, xs, s_crop, sb_crop, cuts, marks, *out, (t, l))
                ids.append(fitted[(k, *span)])
            if None not in ids and tuple(ids) not in options:
                options.append(tuple(ids))
    return options


def _fit_span(core, xs, s_crop, sb_crop, cuts: list, marks: Marks, pixels: list, boxes: list,
              origin) -> int | None:
    """Fit the part of the core between two cuts (of xs: columns, or paths, one column per row)
    as one digit; -> its candidate index (None: no ink)."""
    piece = _between(core, xs, cuts)
    if piece.sum() < 3:
        return None
    keep = filters.box_blur(piece.astype(np.float32), 5) > 0  # the piece and its faint edges
    got = fit_core(piece, s_crop * keep, sb_crop * keep, marks.noise, marks.small)
    if got is None:
        return None
    pixels.append(got[0])
    t, b, l, r = got[1]
    boxes.append((origin[1] + l, origin[0] + t, origin[1] + r, origin[0] + b))
    return len(pixels) - 1


def _between(core: np.ndarray, xs: np.ndarray, cuts: list) -> np.ndarray:
    """(h, w) bool: the strokes between two cuts (each a column of xs, or a path: (h,) its column
    in each row). Only a CUT-wide band along each cut is sliced; the pieces the slicing leaves
    go whole to the side holding most of them, so a stroke reaching over its neighbour (a 7's
    bar, a 4's arm) stays with its digit."""
    a, b = (np.reshape(cut, (-1, 1)) for cut in cuts)  # (h, 1) or (1, 1)
    from_a, to_b = xs - a, xs - b  # (h, w) signed columns from each cut
    band = (np.abs(from_a) <= CUT // 2) | (np.abs(to_b) <= CUT // 2)
    rest = core & ~band
    pieces = label(rest, np.ones(core.shape, np.float32))
    ids = label_image(pieces, core.shape)  # (h, w) piece per pixel, -1 elsewhere
    area = np.maximum(pieces.area, 1)
    right_of_a = np.bincount(ids[rest], from_a[rest], pieces.count) / area >= 0
    left_of_b = np.bincount(ids[rest], to_b[rest], pieces.count) / area < 0
    inside = np.append(right_of_a & left_of_b, False)  # (pieces + 1,): the last for -1
    return (rest & inside[ids]) | (core & band & (from_a >= 0) & (to_b < 0))
