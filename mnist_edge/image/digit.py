"""One digit in a photo or scan: find it among the marks on the page, refuse what is no digit.

What it is: fit_digit(img) -> Fitted. The photo is box-reduced to what one digit needs (shorter
side >= background.DIGIT_SIDE; a thumbnail is also read scaled up to it); its ink signal
(background.py) is thresholded only to find the digit, and cut into marks (marks.py: Sauvola,
ruling lines out, connected components). The marks are weighed: dust (tiny), marks touching the
image's border (the page's edge, the table) unless nothing else is there, and stray marks far
from the main mass are dropped; pieces of one digit close to it (a 5's detached bar, a broken
pencil stroke) are merged. The digit's region grows into its faint edges (hysteresis), and the
signal inside it, nothing outside, is fitted as MNIST (fit.py). Verdicts: "blank" (no mark
stands out of the paper's noise), "not_a_digit" (several digit-sized marks side by side,
verdicts.py; no reading with a digit's shape, as a # or an @, shape.py). `read` shares fit_core().
What it isn't: a classifier; "not a digit" from the shapes of strokes is only the obvious cases.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from mnist_edge.image import background as bg
from mnist_edge.image import filters
from mnist_edge.image.components import Components, among, box_gaps, group_box, label, mask_box, touches
from mnist_edge.image.crop import CLEAN, crowded, ink_against_ground, margined, scanned_crop, source_size, tight_crop
from mnist_edge.image.fit import SIZE, Box, fit
from mnist_edge.image.grey import analysed_grey
from mnist_edge.image.holes import ELONGATED, LINE_ELONGATED, ribbon_holes
from mnist_edge.image.marks import find_marks
from mnist_edge.image.shape import not_a_digit_shape
from mnist_edge.image.verdicts import not_one_digit

BOX_THRESHOLD = 0.25  # of the digit's peak: the 20 px box (MNIST's own boxes at 25%)
WIDE_STROKE = 0.3  # strokes as wide as this x the background's window are taken for paper:
# wider strokes are measured again with a window of their width / WIDE_STROKE. Between 0.3 and
# REMEASURE x the window that changed nothing while doubling the work (validation photos, seed 1,
# 5 conditions x 90: 90 of 91 the same 28 x 28 within 0.05; 1 in 3 clean photos measured twice).
REMEASURE = 0.35
MERGE_GAP = 0.2  # pieces closer than this x the digit's size belong to it
BORDER_SHARE = 0.05  # a mark touching the border is the digit only if inner marks are this weak
SPECK = 0.06  # a digit is at least this fraction of the image's shorter side (photos)
# A digit's mean ink signal is at least FAINT x the noise floor (fainter marks are light or a
# shadow's edge). 1.35 refused hard-pressed pencil as blank (validation photos, pencil at
# severity 3, seed 1: 7 of 100; with low contrast, 38 of 300 seeds); 1.2 reads those 38 and
# leaves 1 of the 7. Non-digits refused are the same down to 1.1 (blank pages, smudges, noise:
# 359 of 360 over seeds 3 and 4, as with 1.35).
FAINT = 1.2
DASH = 2.5  # width / height beyond which a mark is a horizontal stroke, not a digit
SOFT = 0.12  # edge width (contrast / steepest gradient) over the mark's size beyond which it is a blot
# A small photo's (48-95 px) mark with this share of its length on the image's edge is no digit
# (validation thumbnails with the table showing, 150: 75 -> 101 read; shrunk photos under 20
# conditions x 120, seeds 1 and 2: 2253 -> 2256, 2257 -> 2261).
EDGE_CONTACT = 0.5
FILLED = 0.85  # share of its box a mark fills beyond which it is a blob, not strokes


@dataclass
class Fitted:
    """What preprocessing made of one image."""

    pixels: np.ndarray  # (28, 28) float32 in [0, 1], white digit on black, MNIST-placed; zeros if refused
    reason: str | None  # None: one digit; "blank"; "not_a_digit"
    detail: str = ""  # the reason in words
    box: tuple[int, int, int, int] | None = None  # the digit's box in the analysed, reduced image (t, b, l, r)
    # (28, 28) each: other readings (a tight crop's with a margin, an outline filled boldly); the
    # network takes its most confident one
    alternatives: tuple[np.ndarray, ...] = ()
    crossed: bool = False  # straight lines across the (small) image were taken out (marks.py)


def fit_digit(img: Image.Image, source: str = "<image>") -> Fitted:
    fitted = _fit_image(img, source)
    if fitted.reason is not None:
        return fitted
    verdict = not_a_digit_shape(fitted.pixels)  # the usual reading's shape, then the others'
    if not verdict or any(not not_a_digit_shape(p) for p in fitted.alternatives):
        return fitted
    return replace(fitted, reason="not_a_digit", detail=verdict)


def _fit_image(img: Image.Image, source: str) -> Fitted:
    gray, flat, _ = analysed_grey(img, source)
    # (H, W): a digit needs fewer pixels than a line of them; a small scan scaled up, about its own
    gray, f_page = bg.reduce_for_digit(gray)
    gray, f = source_size(gray, f_page)
    upscaled = f != f_page  # a small scan scaled up
    signal = bg.ink_signal(gray, flat, reduced=f)
    fitted = _fit_grey(gray, flat, f, signal)
    alone = tight_crop(signal) or crowded(signal)  # a crop of the digit alone
    if not (upscaled or alone) and bg.UNEVEN_FROM <= min(gray.shape) < bg.DIGIT_SIDE:
        gray, signal, fitted = _also_enlarged(gray, flat, f, signal, fitted)
    if alone:
        fitted = _with_margin(fitted, gray, flat, f, signal)
    swapped = ink_against_ground(gray, signal.dark_ink)
    if not (fitted.reason == "blank" or swapped or upscaled and fitted.reason is None):
        return fitted  # a digit, or marks side by side: those stand
    # Nothing found, ink and paper maybe swapped, or a small scan scaled up: it is read as the crop
    # it was (crop.scanned_crop); against a reading, as an alternative the network weighs.
    crop = scanned_crop(gray, spanning=not upscaled)
    if crop is None:
        return fitted
    scanned = _fit_grey(crop, flat, f, bg.ink_signal(crop, flat, cell=0, reduced=f))
    if scanned.reason is not None:
        return fitted
    if fitted.reason is None:
        fitted.alternatives += (scanned.pixels, *scanned.alternatives)
        return fitted
    return scanned


def _also_enlarged(gray: np.ndarray, flat: bool, f: int, signal: bg.InkSignal,
                   fitted: Fitted) -> tuple[np.ndarray, bg.InkSignal, Fitted]:
    """A thumbnail, no crop of the digit alone, read scaled up too (background.enlarged): where its
    own reading found no digit, that one stands; else it is an alternative the network weighs."""
    big = bg.enlarged(gray)[0]
    big_signal = bg.ink_signal(big, flat, reduced=f)
    enlarged = _fit_grey(big, flat, f, big_signal)
    if fitted.reason is not None:
        return big, big_signal, enlarged
    if enlarged.reason is None:
        fitted.alternatives += (enlarged.pixels, *enlarged.alternatives)
    return gray, signal, fitted


def _with_margin(fitted: Fitted, gray: np.ndarray, flat: bool, f: int, signal: bg.InkSignal) -> Fitted:
    """The digit fills its image (a scan cut around it, or crowds it), or lines drawn across it
    reach the edges: read it again with a margin of paper, on one level (the margin's). In a
    small crop that reading alone stands, unless lines cross it (then the network chooses)."""
    cropped = margined(gray, signal)
    alternative = _fit_grey(cropped, flat, f, bg.ink_signal(cropped, flat, cell=0, reduced=f))
    if alternative.reason is not None:
        return fitted
    small = min(gray.shape) < bg.SMALL  # only a crop's: on a page, light and ruling would pass for a digit
    if fitted.reason is not None:
        return alternative if small else fitted
    if small and not (fitted.crossed and signal.noise <= CLEAN):
        # nothing but the digit reaches the crop's edges (no lines drawn across it on a clean
        # ground): the rules meant for pages took it apart
        return alternative
    fitted.alternatives += (alternative.pixels, *alternative.alternatives)
    return fitted


def _fit_grey(gray: np.ndarray, flat: bool, f: int, signal: bg.InkSignal) -> Fitted:
    fitted = fit_signal(signal)
    if signal.cell and fitted.box is not None:
        width = bg.stroke_width(signal, fitted.box)
        if width > REMEASURE * signal.cell:  # the background took the strokes' middle for paper
            fitted = fit_signal(bg.ink_signal(gray, flat, int(width / WIDE_STROKE), f))
    return fitted


def fit_signal(signal: bg.InkSignal) -> Fitted:
    marks = find_marks(signal)
    if marks is None:
        return _refused("blank", "nothing stands out of the paper")
    s, sb, comps, small = marks.s, marks.sb, marks.comps, marks.small
    group, verdict = _choose(comps, s.shape, small, marks.floor)
    if group is None:
        return _refused("blank", verdict)
    core = comps.mask_of(np.array(group), s.shape)
    if not small and _soft(sb, core, filters.quantile(s[core], 0.5)):
        return _refused("blank", "a soft blot without strokes (a smudge)")
    got = fit_core(core, s, sb, marks.noise, small, thin=True, bold=True, alone=True)
    if got is None:
        return _refused("blank", "no ink in the digit's box")
    return Fitted(got[0], "not_a_digit" if verdict else None, verdict, got[1], got[2], marks.crossed)


def fit_core(core: np.ndarray, s: np.ndarray, sb: np.ndarray, noise: float, small: bool,
             thin: bool = False, bold: bool = False, alone: bool = False) -> tuple[np.ndarray, Box, tuple] | None:
    """A digit's strokes (core, (H, W) bool) -> ((28, 28) MNIST-placed, its box (t, b, l, r),
    bold: () or (the reading with holes.BOLD_* holes filled instead,)).

    The core grows into its faint edges, outlined strokes are filled (alone: a digit by itself,
    not a piece of a line, whose narrower ribbons count), and the signal inside, nothing
    outside, is fitted as MNIST (fit.py, thin: wide strokes thinned); None when there is no ink
    in the box.
    """
    region = _region(core, s, noise, small)
    level = filters.quantile(s[core], 0.5)  # the strokes' typical ink signal
    weights = np.where(region, s if small else sb, 0.0)  # (H, W) what the boxes are of
    elongated = ELONGATED if alone else LINE_ELONGATED  # a line's narrow 0s stay open
    holes, bolder = ribbon_holes(core | (region & (s > 0.5 * level)), _box(weights), bold, elongated)
    ink = np.where(region, np.clip(s, 0, None), 0.0).astype(np.float32)
    pixels, box = _filled(ink, weights, holes, level, thin)
    if pixels is None:
        return None
    if bolder is None or np.array_equal(bolder, holes):
        return pixels, box, ()
    other = _filled(ink, weights, bolder, level, thin)[0]
    return pixels, box, () if other is None else (other,)


def _filled(ink: np.ndarray, weights: np.ndarray, holes: np.ndarray, level: float,
            thin: bool) -> tuple[np.ndarray | None, Box]:
    """The ink with the holes at the strokes' level, fitted; and its box."""
    box = _box(weights + holes * level)
    return fit(np.where(holes, np.float32(level), ink), box, thin), box


def _soft(sb: np.ndarray, core: np.ndarray, level: float) -> bool:
    """A blot whose edges are as wide as it is (a smudge, a shadow's blob), not a pen's strokes.

    The steepest ink gradients of strokes, even out of focus, rise over a fraction of the
    digit's size; a smudge rises over about its own radius.
    """
    t, b, l, r = _box(core.astype(np.float32))
    patch = sb[t:b, l:r]
    if min(patch.shape) < 3:
        return False
    gy, gx = np.gradient(patch)
    steep = filters.quantile(np.hypot(gy, gx), 0.98)
    return level > SOFT * steep * max(b - t, r - l)


def _refused(reason: str, detail: str) -> Fitted:
    return Fitted(np.zeros((SIZE, SIZE), np.float32), reason, detail)


def _choose(c: Components, shape: tuple[int, int], small: bool, floor: float) -> tuple[list[int] | None, str]:
    """-> (labels of the digit's pieces, "" or why it is not one digit) or (None, why blank)."""
    if c.count == 0:
        return None, "no mark"
    if small:  # a crop: every piece of 2 px or more may be the digit's
        dust = c.area < 2
    else:
        dust = c.area < max(4, 0.03 * c.area.max(), 2e-4 * shape[0] * shape[1])
    on_border = c.on_border & (not small)
    if small and min(shape) >= bg.UNEVEN_FROM:  # a thumbnail, not a crop of a digit alone
        on_border = _along_edge(c, shape)
    inner = ~dust & ~on_border
    candidates = inner if inner.any() and c.mass[inner].max() >= BORDER_SHARE * c.mass.max() else ~dust
    if not candidates.any():
        return None, "only dust"
    main = int(np.argmax(np.where(candidates, c.mass, -1)))
    group = _merge(c, main, ~dust & (on_border == on_border[main]), 0.5 * SPECK * min(shape))
    t, b, l, r = group_box(c, group)
    if small:
        return group, ""
    if max(b - t, r - l) < SPECK * min(shape):
        return None, "only specks"
    if c.mass[group].sum() < FAINT * min(floor, 0.1) * c.area[group].sum():
        return None, "only faint marks (light, shadow)"
    if on_border[main] and (max(b - t, r - l) > 4 * min(b - t, r - l) or max(b - t, r - l) < 0.3 * min(shape)):
        return None, "only marks at the border (the page's edge, a shadow's corner)"
    if r - l > DASH * (b - t):
        return group, "a horizontal stroke (a dash, not a digit)"
    if c.area[group].sum() > FILLED * (b - t) * (r - l) and 0.5 < (r - l) / (b - t) < 2:
        return group, "a filled blob (a smudge, a filled shape), not strokes"
    return group, not_one_digit(c, group, ~dust & ~on_border)


def _along_edge(c: Components, shape: tuple[int, int]) -> np.ndarray:
    """(n,) bool: the mark lies along the image's edge, its pixels on the outermost rows and
    columns covering EDGE_CONTACT of its length (the table, the page's edge in a thumbnail), not
    a digit reaching the edge with a stroke's end."""
    edge_row = (c.row == 0) | (c.row == shape[0] - 1)
    on_edge = np.where(edge_row, c.end - c.start, (c.start == 0) + (c.end == shape[1]))  # (R,) px per run
    contact = np.bincount(c.label, on_edge, c.count)
    return contact >= EDGE_CONTACT * np.maximum(c.bottom - c.top, c.right - c.left)


def _merge(c: Components, main: int, allowed: np.ndarray, least: float) -> list[int]:
    """The main component plus every allowed one within MERGE_GAP x the group's size (>= least px), repeatedly."""
    group, clusters = [main], int(c.cluster.max()) + 1
    while True:
        t, b, l, r = group_box(c, group)
        reach = max(MERGE_GAP * max(b - t, r - l), least)
        gap_y, gap_x = box_gaps(c, (t, b, l, r))
        gap = np.maximum(gap_y, gap_x)
        # Above or below the group, a substantial piece (a dotted 1's dots, a 5's hat) is the
        # digit's too: digits are written side by side, not stacked.
        overlap_x = np.minimum(c.right, r) - np.maximum(c.left, l)
        stacked = (overlap_x >= 0.5 * np.minimum(c.right - c.left, r - l)) & (gap_y <= b - t)
        stacked &= c.mass >= 0.25 * c.mass[group].sum()
        joined = among(c.cluster, c.cluster[group], clusters) & (gap <= 3 * reach)
        near = allowed & ((gap <= reach) | joined | stacked)
        near[group] = False
        if not near.any():
            return group
        group += [int(i) for i in np.flatnonzero(near)]


def _region(core: np.ndarray, s: np.ndarray, noise: float, small: bool) -> np.ndarray:
    """(H, W) bool: the digit's pieces (core) grown into their faint edges (hysteresis), but not far."""
    reach = 2 if small else 3
    near = filters.dilate(core, 2 * reach + 1)
    faint = s > max(3 * noise, 1e-3)
    if noise > 1e-3:  # on a noisy page the faint pixels must stay near the strokes
        faint &= near
    grown = label(faint)
    touching = grown.label[touches(grown, near)]
    return grown.mask_of(touching, s.shape) | filters.dilate(core, 3)


def _box(weights: np.ndarray) -> tuple[int, int, int, int]:
    """Box of the pixels above BOX_THRESHOLD x the peak (end-exclusive)."""
    return mask_box(weights > BOX_THRESHOLD * float(weights.max()))
