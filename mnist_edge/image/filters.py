"""Local filters and robust statistics on images, in numpy: the building blocks of the analysis.

What it is: edge-replicating padding; sums, means and maxima over k x k windows (separable,
by doubling); 3 x 3 medians (a sorting network on nine shifted views); per-block quantiles and
their bilinear upsampling; nearest-rank quantiles and the robust (MAD) std. Each is checked
against numpy's own slow equivalent (np.pad, sliding windows, np.median) in
tests/core/test_filters.py.
What it isn't: any decision about paper or ink (background.py, marks.py).
"""

from __future__ import annotations

import functools

import numpy as np

# Devillard's median-of-9 network: 19 compare-exchanges of (i, j) leave the median at index 4.
# On nine (gh, gw) planes it is several times faster than np.partition along the stack's axis.
_MEDIAN9 = ((1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3), (5, 8),
            (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2))


def pad_edge(a: np.ndarray, top: int, bottom: int | None = None, left: int | None = None,
             right: int | None = None, dtype: type | None = None) -> np.ndarray:
    """(H, W) -> (top + H + bottom, left + W + right), edges replicated: np.pad(mode="edge")
    without its overhead (a tenth of a millisecond a call, dozens of calls an image)."""
    bottom = top if bottom is None else bottom
    left = top if left is None else left
    right = left if right is None else right
    h, w = a.shape
    out = np.empty((top + h + bottom, left + w + right), dtype or a.dtype)
    out[top : top + h, left : left + w] = a
    out[:top, left : left + w] = a[:1]
    out[top + h :, left : left + w] = a[-1:]
    out[:, :left] = out[:, left : left + 1]
    out[:, left + w :] = out[:, left + w - 1 : left + w]
    return out


def window_sums(a: np.ndarray, k: int, op: np.ufunc = np.add, axis: int = 0) -> np.ndarray:
    """(H, W) -> the sums (or op: np.maximum) of every k consecutive rows (axis 0: (H - k + 1, W))
    or columns (axis 1: (H, W - k + 1)), by doubling, in two preallocated buffers (fresh arrays
    of a new size each step cost more than the additions)."""
    def cut(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
        return x[lo:hi] if axis == 0 else x[:, lo:hi]

    n = a.shape[axis]
    m = n - k + 1
    total, offset, power, p, slot = None, 0, a, 1, 0  # power: op over p consecutive rows
    work = np.empty((2, *a.shape), a.dtype)
    while p <= k:
        if k & p:
            part = cut(power, offset, offset + m)
            total = part.copy() if total is None else op(total, part, out=total)
            offset += p
        if 2 * p <= k:
            power = op(cut(power, 0, n - p), cut(power, p, n), out=cut(work[slot], 0, n - p))
            n, slot = n - p, slot ^ 1
        p *= 2
    return total


def box_blur(a: np.ndarray, k: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(H, W) -> (H, W) float32: mean over a k x k window (edges replicated); with box (t, b, l, r),
    only the means of that part, (b - t, r - l), each the very value of the whole's.

    Small windows add shifted copies (separable); large ones sum windows by doubling (log2 k
    additions an axis: cumsums cost 20 times an addition a pixel; float64 sums, 5 times float32's
    time at 150 x 150, would change means by ~1e-7).
    """
    if k <= 1:
        return a if box is None else a[box[0] : box[1], box[2] : box[3]]
    p = pad_edge(a, k // 2, dtype=np.float32)  # (H + k - 1, W + k - 1)
    if box is not None:  # the windows of the box's pixels: each sum adds the same values in turn
        t, b, l, r = box
        p = p[t : b + k - 1, l : r + k - 1]
    h, w = p.shape[0] - k + 1, p.shape[1] - k + 1
    if k <= 9:
        rows = sum(p[i : i + h] for i in range(k))  # (h, w + k - 1)
        return sum(rows[:, j : j + w] for j in range(k)) / np.float32(k * k)
    sums = window_sums(window_sums(p, k), k, axis=1)  # (h, w)
    return np.multiply(sums, np.float32(1.0 / (k * k)), out=sums)


def max_filter(a: np.ndarray, k: int) -> np.ndarray:
    """(H, W) -> (H, W): maximum over a k x k window (edges replicated), separably."""
    p = pad_edge(a, k // 2)
    return window_sums(window_sums(p, k, np.maximum), k, np.maximum, axis=1)


def dilate(mask: np.ndarray, k: int) -> np.ndarray:
    """(H, W) bool -> (H, W) bool: any of the k x k window set (edges replicated); box_blur(mask, k) > 0."""
    p = pad_edge(mask, k // 2)
    return window_sums(window_sums(p, k, np.logical_or), k, np.logical_or, axis=1)


def median3(a: np.ndarray) -> np.ndarray:
    """(H, W) -> (H, W): median of each 3 x 3 neighbourhood (edges replicated)."""
    return median9(neighbourhood3(pad_edge(a, 1)))


def neighbourhood3(padded: np.ndarray) -> list[np.ndarray]:
    """(H + 2, W + 2) padded -> the nine (H, W) planes of each pixel's 3 x 3 neighbourhood, row by
    row; plane 4 is the pixel itself."""
    h, w = padded.shape[0] - 2, padded.shape[1] - 2
    return [padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]


def despeckle(a: np.ndarray, step: float) -> np.ndarray:
    """(H, W) -> (H, W): salt and pepper taken out. A pixel standing out by more than `step` from
    all its 8 neighbours, or a pair of adjacent pixels standing out from all their others, is
    replaced by its 3 x 3 median; a stroke's pixel, even at its tip, has more of its own around."""
    planes = neighbourhood3(pad_edge(a, 1))
    ring = planes[:4] + planes[5:]  # the 8 neighbours
    close_below = sum((n >= a - step).astype(np.uint8) for n in ring)  # (H, W) not far darker
    close_above = sum((n <= a + step).astype(np.uint8) for n in ring)  # not far lighter
    speck = (close_below == 0) | (close_above == 0)  # alone
    for odd in (close_below <= 1, close_above <= 1):  # in a pair: its one close neighbour is odd too
        speck |= odd & np.logical_or.reduce([n for k, n in enumerate(neighbourhood3(np.pad(odd, 1))) if k != 4])
    return np.where(speck, median9(planes), a) if speck.any() else a


def median9(planes: list[np.ndarray]) -> np.ndarray:
    """Nine arrays of one shape -> their elementwise median (exact: compare-exchanges only)."""
    p = list(planes)
    for i, j in _MEDIAN9:
        p[i], p[j] = np.minimum(p[i], p[j]), np.maximum(p[i], p[j])
    return p[4]


def block_quantile(a: np.ndarray, cell: int, q: float) -> np.ndarray:
    """(H, W) -> (ceil(H/cell), ceil(W/cell)): the q-quantile of each cell x cell block."""
    padded, gh, gw = _whole_blocks(a, cell)
    if cell == 3 and q == 0.5:  # the common 3 x 3 block median (a digit's photo): the network
        return median9([padded[i::3, j::3] for i in range(3) for j in range(3)])
    blocks = padded.reshape(gh, cell, gw, cell).transpose(0, 2, 1, 3).reshape(gh, gw, cell * cell)
    k = int(q * (cell * cell - 1))
    return np.partition(blocks, k, axis=2)[..., k]


def block_max(a: np.ndarray, cell: int) -> np.ndarray:
    """block_quantile(a, cell, 1.0), without a selection."""
    padded, gh, gw = _whole_blocks(a, cell)
    return padded.reshape(gh, cell, gw, cell).max(axis=(1, 3))


def _whole_blocks(a: np.ndarray, cell: int) -> tuple[np.ndarray, int, int]:
    """(H, W) -> (gh x cell, gw x cell) edge-padded, gh, gw: a whole number of blocks each way."""
    gh, gw = -(-a.shape[0] // cell), -(-a.shape[1] // cell)
    return pad_edge(a, 0, gh * cell - a.shape[0], 0, gw * cell - a.shape[1]), gh, gw


def upsample(grid: np.ndarray, shape: tuple[int, int], cell: int) -> np.ndarray:
    """(gh, gw) block values (at block centres) -> (H, W), bilinear, flat beyond the outer centres."""
    rows = _interp_axis(grid, shape[0], cell, axis=0)  # (H, gw)
    return _interp_axis(rows, shape[1], cell, axis=1).astype(np.float32)  # (H, W)


def _interp_axis(a: np.ndarray, n: int, cell: int, axis: int) -> np.ndarray:
    i0, i1, w, w0 = _interp_weights(n, cell, a.shape[axis])
    if axis == 0:
        return a[i0] * w0[:, None] + a[i1] * w[:, None]
    return a[:, i0] * w0 + a[:, i1] * w


@functools.lru_cache(maxsize=64)
def _interp_weights(n: int, cell: int, size: int) -> tuple[np.ndarray, ...]:
    """-> (n,) lower and upper block index, upper and lower weight (float32) of each pixel."""
    f = np.clip((np.arange(n) + 0.5) / cell - 0.5, 0, size - 1)
    i0 = np.floor(f).astype(int)
    w = (f - i0).astype(np.float32)
    return i0, np.minimum(i0 + 1, size - 1), w, 1 - w


BRACKET_FROM, BRACKET_STRIDE = 4096, 16  # quantile(): from this many values, a sample of 1 in 16


def quantile(a: np.ndarray, q: float) -> float:
    """The q-quantile (nearest rank) without np.quantile's import of numpy.ma.

    From BRACKET_FROM values on, a strided sample brackets the rank and only the values inside
    the bracket are partitioned: the same value, in about 40% of the time of partitioning all
    (a 150 x 150 image's median, 70 vs 180 us); should the bracket miss the rank, all are.
    """
    v = np.asarray(a).ravel()  # (n,)
    k = int(round(q * (v.size - 1)))
    if v.size >= BRACKET_FROM:
        lo, hi = _bracket(v[::BRACKET_STRIDE], q)
        below = int(np.count_nonzero(v < lo))
        inside = v[(v >= lo) & (v <= hi)]  # (m,) the values whose ranks the bracket spans
        if below <= k < below + inside.size:
            return float(np.partition(inside, k - below)[k - below])
    return float(np.partition(v, k)[k])


def _bracket(sample: np.ndarray, q: float) -> tuple[float, float]:
    """Values of the sample about 3 standard deviations of rank below and above its q-quantile."""
    n = sample.size
    margin = 3 * np.sqrt(n * max(q * (1 - q), 1 / n)) + 2  # ranks: binomial spread of the sample
    j = q * (n - 1)
    lo, hi = max(0, int(j - margin)), min(n - 1, int(np.ceil(j + margin)))
    part = np.partition(sample, (lo, hi))
    return part[lo], part[hi]


def robust_std(a: np.ndarray, median: float | None = None) -> float:
    """1.4826 x the median absolute deviation: the noise's std, ignoring the (minority) ink;
    median: a's median when the caller knows it (else computed)."""
    return 1.4826 * quantile(np.abs(a - (quantile(a, 0.5) if median is None else median)), 0.5)


# A faint grid covering half the page (squared paper in a small photo) puts the median between
# paper and grid: the MAD then exceeds CROWDED x the spread of the darkest quarter, which only
# paper reaches, and a floor at some stds of it can lie above the ink. A crowd whose 90% point
# is over FAINT_CROWD x the brightest is the ink itself (a tightly cropped digit), not a grid.
CROWDED, CROWDED_FROM, FAINT_CROWD = 3.0, 0.01, 0.5


def crowd_top(a: np.ndarray, std: float, k: float) -> float | None:
    """(H, W) signal with bright ink and its robust_std -> where a faint crowd covering much of
    the page (a grid) ends: its 90% point plus k stds of the darkest quarter; None if there is none."""
    if std < CROWDED_FROM:
        return None
    sample = a.ravel()[::BRACKET_STRIDE]  # a decision's input, not a measurement
    q05, q25, q90 = (quantile(sample, q) for q in (0.05, 0.25, 0.9))
    low = (q25 - q05) / 0.97  # the paper's std: 0.97 stds lie between a normal's 5% and 25% points
    if std <= CROWDED * low or q90 > FAINT_CROWD * float(sample.max()):
        return None
    return q90 + k * low
