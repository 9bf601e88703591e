"""The page's background, estimated at a scale larger than a stroke, and removed: the ink signal.

What it is: reduce a grey image for analysis, decide the ink's polarity (dark on light or light
on dark), model the background as a smooth field from per-block quantiles (each block larger
than a stroke, a 3 x 3 median over blocks so a block filled by a thick stroke is outvoted),
and divide it out: s = (x - B) / (1 - B) with x the image made ink-bright. For dark ink on
paper under light L(x) this is (paper - pixel) / paper, so uneven light, vignetting, shadows
and tinted paper all give the same stroke contrast. A small image (a crop, a thumbnail) gets
one level, or a plane or quadratic surface fitted to its frame. Also the box blur and
quantiles it uses.
What it isn't: the choice of what is ink (components.py) or the MNIST fitting (fit.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

ANALYSIS_SIDE = 512  # images are box-reduced to at most this long side before analysis
DIGIT_SIDE = 150  # one digit's photo is box-reduced at most 2 times more, keeping the shorter side >= this
GRAIN = 0.75  # box-reducing f times lowers the paper's (partly correlated) noise about f**GRAIN times
SMALL = 96  # shorter side below this: one paper level (a crop, MNIST), or from UNEVEN_FROM px the plane
# or quadratic through the frame if flatter (shrunk validation photos, seeds 1, 2: 2153, 2162 -> 2253, 2257)
LIGHT_INK = 1.5  # on a page, light ink on a dark ground must stand out this much more than dark ink
UNEVEN, UNEVEN_FROM = 0.1, 48  # a small image (>= 48 px) whose one paper level leaves this much
# spread has uneven light (a shadow's edge, a gradient): it gets a background field after all
DENOISE = 0.05  # noise std above which a small image is median-filtered before anything else
# A step between neighbouring blocks of the background above this is an edge (the table beyond the
# page), not light (validation photos, seeds 1, 2, 8 conditions x 120: 0.1 +6/+2, 0.2 +6/+3, 0.3 +5/0).
EDGE_STEP = 0.2


@dataclass
class InkSignal:
    s: np.ndarray  # (H, W) float32: ink above the background, ~0 on paper, ~1 for black ink on white
    dark_ink: bool  # the image had dark ink on a light ground
    cell: int  # background block size in px (0: one level, plane or quadratic for the whole image)
    noise: float  # robust std of s (MAD), mostly the paper's noise
    x: np.ndarray  # (H, W) the image made ink-bright (for measuring strokes)
    ground: np.ndarray  # (H, W) its background
    reduced: int = 1  # box-reduced this many times past the analysis size (reduce_for_digit)


def reduce_for_analysis(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, W) -> (H/f, W/f) box average with integer f so the long side is <= ANALYSIS_SIDE."""
    f = -(-max(gray.shape) // ANALYSIS_SIDE)
    if f <= 1:
        return gray, 1
    h, w = (gray.shape[0] // f) * f, (gray.shape[1] // f) * f
    return gray[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3), dtype=np.float32), f


def reduce_for_digit(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, W) -> (H/f, W/f) box average, f = 2 if the shorter side stays >= DIGIT_SIDE, else 1.

    One digit fills a good part of its photo (MNIST's is 20 px): finding it and fitting it to
    28 x 28 need no more pixels, and fewer make the analysis proportionally faster. Halving at
    most: reduced further, thin strokes and grid paper lose digits (validation photos).
    """
    return reduce_by(gray, min(2, min(gray.shape) // DIGIT_SIDE))


def reduce_by(gray: np.ndarray, f: int) -> tuple[np.ndarray, int]:
    """(H, W) -> (H // f, W // f) box average (the last H % f rows, W % f columns dropped)."""
    if f <= 1:
        return gray, 1
    if f <= 4:  # f x f strided slices summed: several times faster than reshape + mean
        h, w = gray.shape[0] // f, gray.shape[1] // f
        rows = sum(gray[i : h * f : f, : w * f].astype(np.float32) for i in range(f))  # (h, W')
        return sum(rows[:, j::f] for j in range(f)) / np.float32(f * f), f
    h, w = (gray.shape[0] // f) * f, (gray.shape[1] // f) * f
    return gray[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3), dtype=np.float32), f


def ink_signal(gray: np.ndarray, flat: bool = False, cell: int | None = None, reduced: int = 1) -> InkSignal:
    """(H, W) grey in [0, 1] -> the ink signal (module docstring); flat: one background level.

    cell: the background's scale in px (the opening's window), by default a sixth of the
    shorter side; strokes wider than about a third of it would be taken for paper.
    """
    if flat:
        cell = 0
    elif cell is None:
        cell = 0 if min(gray.shape) < SMALL else max(12, min(gray.shape) // 6)
    paper = _background(gray, cell)  # (H, W): the grey's local median level
    dark = _ink_is_dark(gray, paper, cell)
    x = 1.0 - gray if dark else gray  # (H, W) ink bright
    if cell:
        ground = _opened_background(x, cell)
    else:  # one level or surface, fitted once: the ink-bright image's is its mirror
        ground = 1.0 - paper if dark else paper
    s = (x - ground) / np.maximum(1.0 - ground, 0.1)
    s -= quantile(s, 0.5) if cell else 0.0  # paper at 0 (the ink is a minority of pixels)
    noise = robust_std(s)
    if not cell and not flat and noise > UNEVEN and min(gray.shape) >= UNEVEN_FROM:
        return ink_signal(gray, cell=max(12, min(gray.shape) // 6), reduced=reduced)  # light varies
    if not cell and noise > DENOISE:  # a small, grainy crop: strokes are 2-3 px, grain 1 px
        s = median3(s)
    return InkSignal(s.astype(np.float32), dark, cell, noise, x, ground, reduced)


def median3(a: np.ndarray) -> np.ndarray:
    """(H, W) -> (H, W): median of each 3 x 3 neighbourhood (edges replicated)."""
    p = pad_edge(a, 1)
    h, w = a.shape
    return np.partition(np.stack([p[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]), 4, axis=0)[4]


def _ink_is_dark(gray: np.ndarray, paper: np.ndarray, cell: int) -> bool:
    """Ink is what departs most from the local median level: below it (dark ink) or above it.

    On a page (cell > 0) light ink must depart LIGHT_INK times more: on a blank page under a
    shadow both sides of the shadow's edge depart alike, and pages are light far more often.
    """
    r = box_blur(gray - paper, 3 if cell else 1).ravel()
    lo, hi = (int(round(q * (r.size - 1))) for q in (0.0005, 0.9995))  # as quantile(), one partition
    part = np.partition(r, (lo, hi))
    return -float(part[lo]) * (LIGHT_INK if cell else 1.0) > float(part[hi])


def _background(x: np.ndarray, cell: int) -> np.ndarray:
    """(H, W) smooth background: per-block median, 3 x 3 block median, bilinear; or (cell 0) the
    border's level, or the plane or quadratic surface through the border where that leaves the
    image flatter."""
    if cell:
        return upsample(_neighbour_median(block_quantile(x, cell, 0.5)), x.shape, cell)
    level = np.full(x.shape, quantile(border(x), 0.5), np.float32)
    if min(x.shape) < UNEVEN_FROM:
        return level
    ys, xs = np.mgrid[-1 : 1 : x.shape[0] * 1j, -1 : 1 : x.shape[1] * 1j].astype(np.float32)
    terms = [np.ones_like(ys), ys, xs, ys * ys, xs * xs, ys * xs]  # plane: the first three
    fits = [level, _border_fit(x, terms[:3]), _border_fit(x, terms)]
    return min(fits, key=lambda f: robust_std(x - f))


def _border_fit(x: np.ndarray, terms: list[np.ndarray]) -> np.ndarray:
    """(H, W) -> (H, W): the sum of terms (each (H, W)) least-squares fitted to the frame's
    pixels (border()), the ones far off it (ink reaching the edge) dropped."""
    design = np.stack([border(t) for t in terms], 1)  # (n, len(terms))
    vb = border(x)
    keep = np.ones(vb.size, bool)
    for _ in range(3):
        coef = np.linalg.lstsq(design[keep], vb[keep], rcond=None)[0]
        residual = vb - design @ coef
        keep = np.abs(residual) <= 3 * robust_std(residual[keep]) + 0.01
    return sum(c * t for c, t in zip(coef, terms)).astype(np.float32)


def _opened_background(x: np.ndarray, cell: int) -> np.ndarray:
    """(H, W) ink-bright image -> its background: a grey opening wider than any stroke.

    The opening (min filter, then max filter, over a window of about `cell` px) removes every
    bright structure narrower than the window, the strokes, and keeps what is wider: paper,
    light fall-off, a shadow's edge, the table. Done on a copy reduced STEP times (box average,
    which also averages noise and dust away), smoothed and brought back bilinearly. Smoothing
    a sharp step (the table's edge) would leave its high side's rim above the background, a
    line of "ink" along the edge that joins a digit near it: the high side is first widened by
    a block where the step exceeds EDGE_STEP, so the smoothing happens on the low side.
    """
    step = max(1, cell // 8)
    reduced = block_quantile(x, step, 0.5) if step > 1 else x  # (H/step, W/step)
    k = max(3, cell // step) | 1
    opened = max_filter(-max_filter(-reduced, k), k)
    lifted = max_filter(opened, 3)  # (H/step, W/step): a step's high side one block wider
    opened = np.where(lifted - opened > EDGE_STEP, lifted, opened)
    return upsample(box_blur(opened, 3), x.shape, step)


def max_filter(a: np.ndarray, k: int) -> np.ndarray:
    """(H, W) -> (H, W): maximum over a k x k window (edges replicated), separably."""
    p = pad_edge(a, k // 2)
    return window_sums(window_sums(p, k, np.maximum), k, np.maximum, axis=1)


def block_quantile(a: np.ndarray, cell: int, q: float) -> np.ndarray:
    """(H, W) -> (ceil(H/cell), ceil(W/cell)): the q-quantile of each cell x cell block."""
    gh, gw = -(-a.shape[0] // cell), -(-a.shape[1] // cell)
    padded = pad_edge(a, 0, gh * cell - a.shape[0], 0, gw * cell - a.shape[1])
    blocks = padded.reshape(gh, cell, gw, cell).transpose(0, 2, 1, 3).reshape(gh, gw, cell * cell)
    k = int(q * (cell * cell - 1))
    return np.partition(blocks, k, axis=2)[..., k]


def block_max(a: np.ndarray, cell: int) -> np.ndarray:
    return block_quantile(a, cell, 1.0)


def _neighbour_median(grid: np.ndarray) -> np.ndarray:
    """(gh, gw) -> (gh, gw): median of each block's 3 x 3 neighbourhood (edges replicated)."""
    p = pad_edge(grid, 1)
    h, w = grid.shape
    stack = np.stack([p[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)])  # (9, gh, gw)
    return np.partition(stack, 4, axis=0)[4]


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


def box_blur(a: np.ndarray, k: int) -> np.ndarray:
    """(H, W) -> (H, W) float32: mean over a k x k window (edges replicated).

    Small windows add shifted copies (separable, float32); large ones sum windows by doubling
    (float64, log2 k additions an axis: a summed-area table's cumsums cost several times more).
    """
    if k <= 1:
        return a
    if k <= 9:
        p = pad_edge(a.astype(np.float32, copy=False), k // 2)
        h, w = a.shape
        rows = sum(p[i : i + h] for i in range(k))  # (H, W + k - 1)
        return sum(rows[:, j : j + w] for j in range(k)) / np.float32(k * k)
    p = pad_edge(a, k // 2, dtype=np.float64)  # (H + k - 1, W + k - 1)
    sums = window_sums(window_sums(p, k), k, axis=1)  # (H, W)
    return np.divide(sums, k * k, out=sums).astype(np.float32)


def dilate(mask: np.ndarray, k: int) -> np.ndarray:
    """(H, W) bool -> (H, W) bool: any of the k x k window set (edges replicated); box_blur(mask, k) > 0."""
    p = pad_edge(mask, k // 2)
    return window_sums(window_sums(p, k, np.logical_or), k, np.logical_or, axis=1)


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


def quantile(a: np.ndarray, q: float) -> float:
    """The q-quantile (nearest rank) without np.quantile's import of numpy.ma."""
    v = np.asarray(a).ravel()
    k = int(round(q * (v.size - 1)))
    return float(np.partition(v, k)[k])


def robust_std(a: np.ndarray) -> float:
    """1.4826 x the median absolute deviation: the noise's std, ignoring the (minority) ink."""
    return 1.4826 * quantile(np.abs(a - quantile(a, 0.5)), 0.5)


def border(a: np.ndarray) -> np.ndarray:
    """(H, W) -> (n,): the pixels of the outer frame, 1/20 of the shorter side wide (>= 1 px)."""
    w = max(1, min(a.shape) // 20)
    return np.concatenate([a[:w].ravel(), a[-w:].ravel(), a[:, :w].ravel(), a[:, -w:].ravel()])
