"""Photos of handwritten numbers: MNIST validation digits written side by side as one line.

What it is: number_photo(images, labels, rng, condition, length) -> Number (the photo, the true
text, each digit's box in the photo's pixels). The digits are validation-split MNIST digits
(callers pass train indices 50000-59999, never the test set) rendered at photo scale
(strokes.digit_coverage) with realistic spacing, size and baseline jitter, a common pen width,
a slant (shear) and a small rotation of the whole line, then put on paper and photographed by
photos.on_paper (paper, ruling, lighting, blur, noise, JPEG). Conditions (NUMBER_CONDITIONS):
clean, lined and squared paper, photo (2-3 everyday photo conditions and a random pen),
touching (neighbours whose strokes touch), broken (a digit's stroke interrupted, as a 5's
detached bar or a 4 or 7 in two strokes), small (a photo of a field cropped and scaled down).
Deterministic for an rng; what only one condition draws is drawn for it alone (adding one
leaves the others' photos as they were).
What it isn't: a model of real handwriting (the shapes are MNIST's), or anything torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from mnist_edge.synth import photos, strokes

NUMBER_CONDITIONS = {
    "clean": "dark pen on white paper, even light",
    "lined": "ruled notebook paper, lines 1.1-1.7 x the digits' height apart",
    "squared": "squared paper, squares 0.5-0.9 x the digits' height",
    "photo": "2-3 everyday photo conditions (light, shadow, tint, noise, blur, JPEG) and a random pen",
    "touching": "one or two pairs of neighbours whose strokes touch",
    "broken": "one or two digits with an interrupted stroke (a detached bar, two strokes)",
    "small": "plain, lined or squared paper, the photo scaled down to 56-90 px high (a form's field)",
}
PENS = ("ballpoint", "felt", "pencil")


@dataclass
class Number:
    image: Image.Image
    text: str
    boxes: list[tuple[int, int, int, int]]  # x0, y0, x1, y1 of each digit's ink, left to right


def number_photo(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, condition: str,
                 length: int, picks: np.ndarray | None = None, touching: set[int] | None = None,
                 broken: set[int] | None = None, slant: float | None = None,
                 degrees: float | None = None) -> Number:
    """A photo of a `length`-digit number drawn from images (n, 28, 28) uint8 / labels (n,).

    Random unless given: picks (indices into images), touching (k: digit k touches k + 1),
    broken (indices of broken digits), slant (dx/dy), degrees (the line's rotation).
    """
    paper = str(rng.choice(["clean", "lined", "squared"])) if condition == "small" else condition
    picks = rng.integers(len(images), size=length) if picks is None else np.asarray(picks)
    length = len(picks)
    size = int(rng.integers(40, 81))  # the 28 x 28 field's side in px: digits 28-57 px tall
    if touching is None:
        touching = set()
        if condition == "touching" and length > 1:
            touching = set(rng.choice(length - 1, size=min(length - 1, int(rng.integers(1, 3))),
                                      replace=False).tolist())
    if broken is None:
        broken = set()
        if condition == "broken":
            broken = set(rng.choice(length, size=min(length, int(rng.integers(1, 3))), replace=False).tolist())
    width = float(rng.uniform(0.85, 1.3))
    cov, owner = _line(images[picks], size, width, rng, touching, broken)
    slant = rng.uniform(-0.25, 0.25) if slant is None else slant
    degrees = rng.uniform(-4, 4) if degrees is None else degrees
    cov, owner = _slant(cov, owner, slant, degrees)
    cov, owner, box = _margins(cov, owner, size, rng)
    c = {name: 0 for name in photos.CONDITIONS}
    spacing = None
    if paper == "lined":
        c["ruled"], spacing = int(rng.integers(1, 4)), 0.7 * size * rng.uniform(1.1, 1.7)
    elif paper == "squared":
        c["squared"], spacing = int(rng.integers(1, 4)), 0.7 * size * rng.uniform(0.5, 0.9)
    elif condition == "photo":
        for name in rng.choice(photos.MILD, size=int(rng.integers(2, 4)), replace=False):
            c[str(name)] = int(rng.integers(1, 3))
        pen = str(rng.choice(PENS))
        c[pen] = 1 if pen != "ballpoint" else 0
    image = photos.on_paper(cov, box, rng, c, spacing)
    boxes = []
    for k in range(length):
        ys, xs = np.nonzero(owner == k)
        boxes.append((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if xs.size else (0, 0, 0, 0))
    if condition == "small":
        image, boxes = _scaled_to(image, boxes, int(rng.integers(56, 91)))
    return Number(image, "".join(str(int(d)) for d in labels[picks]), boxes)


def _scaled_to(image: Image.Image, boxes: list, height: int) -> tuple[Image.Image, list]:
    """The photo scaled (area average) to `height` px high, and the digits' boxes with it."""
    f = height / image.height
    small = image.resize((max(1, round(image.width * f)), height), Image.Resampling.BOX)
    return small, [(int(x0 * f), int(y0 * f), int(np.ceil(x1 * f)), int(np.ceil(y1 * f))) for x0, y0, x1, y1 in boxes]


def _line(digits: np.ndarray, size: int, width: float, rng: np.random.Generator, touching: set[int],
          broken: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """The digits side by side -> ((H, W) coverage, (H, W) int8 index of the digit owning each pixel, -1)."""
    h = int(size * 1.4)
    w = int(size * len(digits) * 1.3) + size
    cov, owner = np.zeros((h, w), np.float32), np.full((h, w), -1, np.int8)
    x = size // 2
    for k, digit in enumerate(digits):
        scale = size * rng.uniform(0.88, 1.12)
        glyph = _glyph(digit, int(scale), width)  # (s, s)
        if k in broken:
            glyph = _break(glyph, rng)
        rows, cols = np.flatnonzero(glyph.max(1) > 0.05), np.flatnonzero(glyph.max(0) > 0.05)
        if rows.size == 0:
            continue
        glyph = glyph[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # tight to the ink
        gh, gw = glyph.shape
        top = int(np.clip(h / 2 - gh / 2 + rng.uniform(-0.06, 0.06) * size, 0, h - gh))
        if k - 1 in touching:
            x = _touching_x(cov, glyph, top, x)
        elif k:
            x += int(size * rng.uniform(0.03, 0.2))
        x = min(x, w - gw)
        region = (slice(top, top + gh), slice(x, x + gw))
        owner[region] = np.where(glyph > np.maximum(cov[region], 0.3), k, owner[region])
        cov[region] = np.maximum(cov[region], glyph)
        x += gw
    cols = np.flatnonzero(cov.max(0) > 0)
    return cov[:, : cols[-1] + 1], owner[:, : cols[-1] + 1]


def _glyph(digit: np.ndarray, size: int, width: float) -> np.ndarray:
    """(28, 28) uint8 -> (size, size) coverage, drawn at 3 x and box-reduced: crisp small strokes."""
    big = strokes.digit_coverage(digit, 3 * size, width)  # (3 size, 3 size), 0 off the strokes
    return np.asarray(Image.fromarray(big, "F").reduce(3), dtype=np.float32)


def _touching_x(cov: np.ndarray, glyph: np.ndarray, top: int, x: int) -> int:
    """The column to put glyph at so its strokes just touch what is already left of x."""
    gh, gw = glyph.shape
    left_ink = cov[top : top + gh, :x] > 0.5  # (gh, x)
    right_ink = glyph > 0.5
    gaps = []
    for r in range(gh):
        if left_ink[r].any() and right_ink[r].any():
            gaps.append(x - 1 - np.flatnonzero(left_ink[r])[-1] + np.flatnonzero(right_ink[r])[0])
    return x - (min(gaps) + 1) if gaps else x - max(1, gw // 8)


def _break(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Erase a thin horizontal band across the digit: its strokes fall in two pieces."""
    rows = np.flatnonzero(glyph.max(1) > 0.05)
    height = rows[-1] - rows[0]
    at = int(rows[0] + height * rng.uniform(0.2, 0.45))
    band = max(2, int(height * rng.uniform(0.04, 0.08)))
    out = glyph.copy()
    out[at : at + band] = 0.0
    return out


def _slant(cov: np.ndarray, owner: np.ndarray, shear: float, degrees: float):
    """Shear (x += shear * (centre - y)) then rotate the line, canvas grown to hold it."""
    h, w = cov.shape
    extra = int(abs(shear) * h) + 1
    data = (1, shear, -shear * h / 2 - abs(shear) * h / 2, 0, 1, 0)  # output (x, y) -> input
    out = []
    for a, mode, resample in ((cov, "F", Image.Resampling.BILINEAR), (owner.astype(np.float32) + 1, "F",
                                                                       Image.Resampling.NEAREST)):
        img = Image.fromarray(a, mode).transform((w + extra, h), Image.Transform.AFFINE, data, resample)
        img = img.rotate(degrees, resample, expand=True)
        out.append(np.asarray(img, dtype=np.float32))
    return out[0], np.round(out[1]).astype(np.int8) - 1


def _margins(cov: np.ndarray, owner: np.ndarray, size: int, rng: np.random.Generator):
    """Tight to the ink, then paper around it: 0.3-1 x the field's side to the left and right."""
    rows, cols = np.flatnonzero(cov.max(1) > 0.02), np.flatnonzero(cov.max(0) > 0.02)
    cov, owner = cov[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], owner[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    t, b = (int(size * rng.uniform(0.4, 1.2)) for _ in range(2))
    l, r = (int(size * rng.uniform(0.3, 1.0)) for _ in range(2))
    cov = np.pad(cov, ((t, b), (l, r)))
    owner = np.pad(owner, ((t, b), (l, r)), constant_values=-1)
    return cov, owner, (t, t + int(rows[-1] + 1 - rows[0]), l, l + int(cols[-1] + 1 - cols[0]))
