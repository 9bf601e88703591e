"""Connected components of a binary mask, in numpy: run-length labelling with label propagation.

What it is: the mask's horizontal runs, joined between neighbouring rows when they touch
(8-connectivity), labelled by propagating the smallest label over the joins until stable
(pointer jumping makes that a handful of passes), then per-component statistics. Also the
removal of ruling lines (long straight rows of ink crossing the page, found by projecting the
mask along a few small angles), painting chosen components back into a mask, and which
component holds another or which runs touch a mask, and a mask's box.
What it isn't: the choice of the digit among components (digit.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LINE_SPAN = 0.45  # a ruling line covers at least this fraction of the page's width (or height)
LINE_GAP = 0.08  # ruling lines lie at least this x the page apart (a stroke's two edges do not)
STROKE_COVER = 0.75  # ...and a digit's stroke covers less of the page than a ruling line or its edge
GRID_SPAN = 0.8  # ... in a photo of a line of digits, where a 1 may be half the photo's height
LINE_ROWS = 4  # a ruling line is at most this many rows thick (or 3% of the page, if more)
LINE_TILTS = np.tan(np.radians(np.arange(-3.0, 3.01, 0.75)))  # angles tried for ruling lines


@dataclass
class Components:
    """Runs of the mask (row, start, end exclusive, label) and per-label statistics."""

    row: np.ndarray  # (R,) int
    start: np.ndarray  # (R,) int
    end: np.ndarray  # (R,) int
    label: np.ndarray  # (R,) int in 0..n-1
    area: np.ndarray  # (n,) pixels
    top: np.ndarray  # (n,) bounding boxes, end-exclusive
    bottom: np.ndarray
    left: np.ndarray
    right: np.ndarray
    mass: np.ndarray  # (n,) sum of the weights (ink signal) over the component

    @property
    def count(self) -> int:
        return len(self.area)

    def mask_of(self, labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) bool of the components in `labels`."""
        keep = among(self.label, labels, self.count)
        return paint_runs(self.row[keep], self.start[keep], self.end[keep], shape)


def among(values: np.ndarray, chosen: np.ndarray | list[int], n: int) -> np.ndarray:
    """values (ints in 0..n-1, or -1 for none) -> bool of their shape: in `chosen`. np.isin
    sorts both; on a few labels a lookup table is 20 times faster (0.05 ms a call, several an image)."""
    table = np.zeros(n + 1, bool)  # the extra last entry answers -1
    table[np.asarray(chosen, dtype=np.intp)] = True
    return table[values]


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(H, W) bool -> (top, bottom, left, right) of its True pixels, end-exclusive; None if none."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def group_box(c: Components, group: list[int]) -> tuple[int, int, int, int]:
    """The box (top, bottom, left, right), end-exclusive, of the components in `group`."""
    return int(c.top[group].min()), int(c.bottom[group].max()), int(c.left[group].min()), int(c.right[group].max())


def box_gaps(c: Components, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(n,) rows and (n,) columns between each component and the box (t, b, l, r); 0 where they overlap."""
    t, b, l, r = box
    return np.maximum(0, np.maximum(c.top - b, t - c.bottom)), np.maximum(0, np.maximum(c.left - r, l - c.right))


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H, W) bool -> (row, start, end) of every horizontal run of True, in row-major order."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1).ravel()  # (H * (W + 1),): +1 at a run's start, -1 one past its end
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)  # flat: faster than 2-D nonzero
    rs = starts // (mask.shape[1] + 1)
    return rs, starts - rs * (mask.shape[1] + 1), ends - rs * (mask.shape[1] + 1)


def label(mask: np.ndarray, weights: np.ndarray | None = None) -> Components:
    """Label the 8-connected components of a (H, W) bool mask; weights (H, W) give each one's mass
    (without weights, every mass is 0: the summing is skipped)."""
    row, start, end = runs(mask)
    width = mask.shape[1] + 2
    keys_start, keys_end = row * width + start, row * width + end
    # Runs of row r + 1 touching runs of row r: a run b meets a when a.start <= b.end and b.start <= a.end.
    below = np.flatnonzero(row > 0)
    lo = np.searchsorted(keys_end, (row[below] - 1) * width + start[below], "left")
    hi = np.searchsorted(keys_start, (row[below] - 1) * width + end[below], "right")
    count = np.maximum(hi - lo, 0)
    b = np.repeat(below, count)
    a = np.repeat(lo, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    labels = _propagate(len(row), a, b)
    present = np.zeros(len(row), bool)
    present[labels] = True
    labels = (np.cumsum(present) - 1)[labels]  # 0..n-1 (np.unique would import numpy.ma: slow start-up)
    return _stats(row, start, end, labels, weights)


def _propagate(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest run index reachable over the joins (a, b), for every run."""
    labels = np.arange(n)
    while True:
        before = labels.copy()
        np.minimum.at(labels, a, labels[b])
        np.minimum.at(labels, b, labels[a])
        labels = labels[labels]  # pointer jumping
        labels = labels[labels]
        if np.array_equal(labels, before):
            return labels


def _stats(row, start, end, labels, weights) -> Components:
    n = int(labels.max()) + 1 if labels.size else 0
    length = end - start
    top = np.full(n, 1 << 30)
    np.minimum.at(top, labels, row)
    bottom = np.zeros(n, int)
    np.maximum.at(bottom, labels, row + 1)
    left = np.full(n, 1 << 30)
    np.minimum.at(left, labels, start)
    right = np.zeros(n, int)
    np.maximum.at(right, labels, end)
    mass = np.zeros(n)
    if weights is not None and len(row):
        bounds = np.empty(2 * len(row), np.intp)  # (2R,) each run's [start, end) in the flat weights
        bounds[0::2], bounds[1::2] = row * weights.shape[1] + start, row * weights.shape[1] + end
        flat = np.append(weights.ravel(), 0.0)  # a run may end at the very last pixel
        mass = np.bincount(labels, np.add.reduceat(flat, bounds, dtype=np.float64)[0::2], n)
    return Components(row, start, end, labels, np.bincount(labels, length, n), top, bottom, left, right, mass)


def paint_runs(row: np.ndarray, start: np.ndarray, end: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) bool with the given runs set."""
    marks = np.zeros((shape[0], shape[1] + 1), np.int32)
    np.add.at(marks, (row, start), 1)
    np.add.at(marks, (row, end), -1)
    return np.cumsum(marks, axis=1)[:, :-1] > 0


def ruling_lines(mask: np.ndarray, span: float = LINE_SPAN) -> np.ndarray:
    """(H, W) bool of pixels on ruling lines: >= 2 thin parallel straight lines spanning the page.

    For each small tilt, the mask is projected along it; a row of the projection holding more
    than `span` of the page's width is a line. Two or more are needed: one long straight
    stroke alone is more likely a digit (a 1, a 7's bar) than notebook ruling.
    """
    ys, xs = np.nonzero(mask)
    lines = np.zeros(mask.shape, bool)
    for u, v, length in ((ys, xs, mask.shape[1]), (xs, ys, mask.shape[0])):
        ks = np.round(u - v * LINE_TILTS[:, None]).astype(int) + length  # (tilts, n) projected rows, >= 0
        size = int(ks.max(initial=0)) + 1
        profiles = np.bincount((ks + size * np.arange(len(LINE_TILTS))[:, None]).ravel(),
                               minlength=size * len(LINE_TILTS)).reshape(len(LINE_TILTS), size)  # one call
        if not (profiles > span * length).any():  # no line at any tilt (nearly every digit's photo)
            continue
        best = None
        for k, profile in zip(ks, profiles):
            found = _thin_lines(np.flatnonzero(profile > span * length), max(LINE_ROWS, 0.03 * length))
            # the tilt finding the most lines, then the one they are sharpest at (a slightly wrong tilt
            # spreads a line over more rows, each still above `span`, and loses its ends)
            score = (int(np.count_nonzero(np.diff(found) > 1)) + (found.size > 0), float((profile[found] ** 2.0).sum()))
            if best is None or score > best[0]:
                best = (score, k, found, profile)
        _, k, found, profile = best
        if len(found) >= 2 and not _one_stroke(found - length, profile[found].max() / length,
                                               LINE_GAP * length, mask.shape[0 if u is ys else 1]):
            near = np.flatnonzero(profile > 0.3 * length)  # the line's fainter edge rows too
            near = near[np.min(np.abs(near[:, None] - found[None, :]), axis=1) <= 2]
            on = np.isin(k, near)
            lines[ys[on], xs[on]] = True
    return lines


def _one_stroke(rows: np.ndarray, cover: float, gap: float, side: int) -> bool:
    """Rows (projected, page coordinates) closer together than `gap`, away from the page's edge,
    covering less than STROKE_COVER of the page: one thick stroke's two edges (a bold 1), not two
    ruling lines or the edge of the page on a table."""
    return bool(np.ptp(rows) < gap and rows.min() > 2 and rows.max() < side - 3 and cover < STROKE_COVER)


def _thin_lines(rows: np.ndarray, most: float) -> np.ndarray:
    """The rows in groups of at most `most` consecutive ones: a thick bar (a 7's) is no ruling."""
    if rows.size == 0:
        return rows
    breaks = np.flatnonzero(np.diff(rows) > 1) + 1
    groups = np.split(rows, breaks)
    return np.concatenate([g for g in groups if len(g) <= most] or [rows[:0]])


def grid_out(mask: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-> (mask without the ruling lines' uncrossed pixels, (H, W) bool where the ink signal is to
    be zeroed: those pixels and their 1 px fringe off the mask, the lines found in mask | ink)."""
    lines = ruling_lines(mask | ink, GRID_SPAN)
    gone = uncrossed_lines(mask | ink, lines)
    mask = mask & ~gone
    fringe = np.zeros(mask.shape, bool)
    fringe[1:-1, 1:-1] = gone[:-2, 1:-1] | gone[2:, 1:-1] | gone[1:-1, :-2] | gone[1:-1, 2:]
    return mask, (gone | fringe) & ~mask, lines


def uncrossed_lines(mask: np.ndarray, lines: np.ndarray, thin: int = 6, long: int = 15) -> np.ndarray:
    """(H, W) bool: the pixels of the ruling lines (found in mask) that no stroke crosses.

    A horizontal line's pixel lies on a long row run (>= `long` px) and a short column run
    (<= `thin`); where a digit's stroke crosses the line the column run is long, and the pixel
    is kept: the strokes stay whole instead of being cut at every line (grid paper).
    """
    across = _run_lengths(mask)  # (H, W) length of the row run through each pixel
    down = _run_lengths(mask.T).T  # (H, W) length of the column run
    return lines & (((across >= long) & (down <= thin)) | ((down >= long) & (across <= thin)))


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> (H, W) int: the length of the horizontal run each pixel is on (0 off the mask)."""
    row, start, end = runs(mask)
    lengths = end - start
    out = np.zeros(mask.shape, np.int32)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[np.repeat(row, lengths), np.repeat(start, lengths) + offsets] = np.repeat(lengths, lengths)
    return out


def containing(outer: Components, inner: Components) -> np.ndarray:
    """(inner.count,) the label of the outer component holding each inner one (outer covers inner)."""
    width = int(max(outer.right.max(initial=0), inner.right.max(initial=0))) + 2
    run = np.searchsorted(outer.row * width + outer.start, inner.row * width + inner.start, "right") - 1
    out = np.zeros(inner.count, int)
    out[inner.label] = outer.label[run]
    return out


def touches(c: Components, core: np.ndarray) -> np.ndarray:
    """(R,) bool: each of c's runs covers a pixel of `core` (checked through a row-wise prefix sum)."""
    cum = np.pad(np.cumsum(core, axis=1), ((0, 0), (1, 0)))
    return (cum[c.row, c.end] - cum[c.row, c.start]) > 0
