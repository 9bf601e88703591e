"""The page's background, estimated at a scale larger than a stroke, and removed: the ink signal.

What it is: reduce a grey image for analysis, decide the ink's polarity (dark on light or light
on dark), model the background as a smooth field from per-block quantiles (each block larger
than a stroke, a 3 x 3 median over blocks so a block filled by a thick stroke is outvoted),
and divide it out: s = (x - B) / (1 - B) with x the image made ink-bright. For dark ink on
paper under light L(x) this is (paper - pixel) / paper, so uneven light, vignetting, shadows
and tinted paper all give the same stroke contrast. A small image (a crop, a thumbnail) gets
one level, or a plane or quadratic surface fitted to its frame.
What it isn't: the choice of what is ink (components.py) or the MNIST fitting (fit.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_edge.image.filters import (
    block_quantile,
    box_blur,
    despeckle,
    max_filter,
    median3,
    quantile,
    robust_std,
    upsample,
)
from mnist_edge.image.fit import resize
from mnist_edge.image.holes import mask_stroke_width

ANALYSIS_SIDE = 512  # images are box-reduced to at most this long side before analysis
DIGIT_SIDE = 150  # one digit's photo is box-reduced at most 2 times more, keeping the shorter side >= this
GRAIN = 0.75  # box-reducing f times lowers the paper's (partly correlated) noise about f**GRAIN times
SMALL = 96  # shorter side below this: one paper level (a crop, MNIST), or from UNEVEN_FROM px the plane
# or quadratic through the frame if flatter (shrunk validation photos, seeds 1, 2: 2153, 2162 -> 2253, 2257)
LIGHT_INK = 1.5  # on a page, light ink on a dark ground must stand out this much more than dark ink
UNEVEN, UNEVEN_FROM = 0.1, 48  # a small image (>= 48 px) whose one paper level leaves this much
# spread has uneven light (a shadow's edge, a gradient): it gets a background field after all
SPECK_STEP = 0.4  # a crop's pixel this far above or below all its neighbours is a speck
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
    """(H, W) -> (H/f, W/f) box average with integer f so the long side is <= ANALYSIS_SIDE (a
    strip thinner than f keeps its one row or column: longer)."""
    f = min(-(-max(gray.shape) // ANALYSIS_SIDE), min(gray.shape))
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


def enlarged(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """(H, W) -> (the grey scaled up, bilinear, so its shorter side is DIGIT_SIDE but its long
    side at most 4 x ANALYSIS_SIDE (a thin strip stays cheap); the factor, >= 1). A photo smaller
    than that is analysed at a photo's scale: at its own, the background, the noise floor and
    Sauvola's windows work at a crop's (one paper level under SMALL px)."""
    if min(gray.shape) == 0:
        return gray, 1.0
    up = max(1.0, min(DIGIT_SIDE / min(gray.shape), 4 * ANALYSIS_SIDE / max(gray.shape)))
    return resize(gray, up), up


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
    noise = robust_std(s, 0.0 if cell else None)  # s's median is then exactly 0 (s_k - s_k)
    if not cell and not flat and noise > UNEVEN and min(gray.shape) >= UNEVEN_FROM:
        return ink_signal(gray, cell=max(12, min(gray.shape) // 6), reduced=reduced)  # light varies
    if not cell and noise > DENOISE:  # a small, grainy crop: strokes are 2-3 px, grain 1 px
        s = median3(s)
    elif not cell and not flat:  # a clean crop may have salt and pepper (1-2 px; no stroke's);
        # a flat ground (strokes drawn on transparency) has none: its large images skip the work
        s = despeckle(s, SPECK_STEP)
    return InkSignal(s.astype(np.float32), dark, cell, noise, x, ground, reduced)


def _ink_is_dark(gray: np.ndarray, paper: np.ndarray, cell: int) -> bool:
    """Ink is what departs most from the local median level: below it (dark ink) or above it.

    On a page (cell > 0) light ink must depart LIGHT_INK times more: on a blank page under a
    shadow both sides of the shadow's edge depart alike, and pages are light far more often.
    """
    r = box_blur(gray - paper, 3 if cell else 1)
    return -quantile(r, 0.0005) * (LIGHT_INK if cell else 1.0) > quantile(r, 0.9995)


def _background(x: np.ndarray, cell: int) -> np.ndarray:
    """(H, W) smooth background: per-block median, 3 x 3 block median, bilinear; or (cell 0) the
    border's level, or the plane or quadratic surface through the border where that leaves the
    image flatter."""
    if cell:
        return upsample(median3(block_quantile(x, cell, 0.5)), x.shape, cell)
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
        near = np.abs(residual) <= 3 * robust_std(residual[keep]) + 0.01
        if near.sum() < len(terms):  # a frame half ink, half paper: nothing left to fit (was an IndexError)
            break
        keep = near
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


def border(a: np.ndarray, w: int | None = None) -> np.ndarray:
    """(H, W) -> (n,): the pixels of the outer frame, w px wide (default 1/20 of the shorter side,
    >= 1 px); corners counted twice."""
    w = w or max(1, min(a.shape) // 20)
    return np.concatenate([a[:w].ravel(), a[-w:].ravel(), a[:, :w].ravel(), a[:, -w:].ravel()])


def stroke_width(signal: InkSignal, box: tuple[int, int, int, int]) -> float:
    """The strokes' width in px inside `box`, from the image itself (not the ink signal, which a
    too small background window hollows): ink is what is past half-way from paper to the darkest."""
    t, b, l, r = box
    patch, ground = signal.x[t:b, l:r], quantile(signal.ground[t:b, l:r], 0.5)
    return mask_stroke_width(patch > (ground + quantile(patch, 0.97)) / 2)
