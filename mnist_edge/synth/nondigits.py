"""Things that are not one digit, rendered as photos: letters, symbols, shapes, scribbles, blank
pages, smudges, pure noise, two digits side by side.

What it is: NONDIGIT_KINDS and nondigit(kind, rng, digits) -> a PIL image under a random
photo condition (photos.photo), deterministic for an rng; `digits` supplies the MNIST digits
for "two_digits" (validation digits, never the test set). thin_pen(kind, rng, digits): a letter
or symbol written with a fine pen, as the thin condition writes digits (nondigit's page
conditions leave glyphs their font's stroke).
What it isn't: a judge of what is a digit; the evaluation decides how these should be refused.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_edge.synth import photos, strokes

LETTERS = "AEFHKMNRTVWXYacdefhkmnprtvwxy"  # letters that do not pass for a digit
SYMBOLS = "+=?!#@&%*$<>"
NONDIGIT_KINDS = ("letter", "symbol", "shape", "scribble", "blank", "smudge", "noise", "two_digits")
THIN_PEN_KINDS = ("letter", "symbol")
SHAPES = ("circle", "square", "filled_square", "dash", "cross", "triangle")
PAGE_CONDITIONS = [c for c in photos.CONDITIONS if c not in ("rgba", "palette", "outline", "thin", "thick", "low_res")]


def nondigit(kind: str, rng: np.random.Generator, digits: np.ndarray) -> Image.Image:
    """One non-digit photo of `kind`, under a random page condition at a random severity."""
    condition, severity = str(rng.choice(PAGE_CONDITIONS)), int(rng.integers(1, 4))
    if kind == "noise":
        return Image.fromarray(rng.integers(0, 256, (int(rng.integers(28, 400)),) * 2, dtype=np.uint8))
    return photos.photo(_shape(kind, rng, digits), rng, condition, severity)


def thin_pen(kind: str, rng: np.random.Generator, digits: np.ndarray) -> Image.Image:
    """One letter or symbol photo under the thin condition, its glyph thinned as a digit's would be."""
    shape = _shape(kind, rng, digits)
    return photos.photo(lambda size, width: strokes.thinned(shape(size, width), width), rng, "thin",
                        int(rng.integers(1, 4)))


def _shape(kind: str, rng: np.random.Generator, digits: np.ndarray) -> photos.Shape:
    if kind == "letter":
        text = LETTERS[int(rng.integers(len(LETTERS)))]
        return lambda size, width: strokes.glyph_coverage(text, size, rng)
    if kind == "symbol":
        text = SYMBOLS[int(rng.integers(len(SYMBOLS)))]
        return lambda size, width: strokes.glyph_coverage(text, size, rng)
    if kind == "shape":
        name = SHAPES[int(rng.integers(len(SHAPES)))]
        return lambda size, width: strokes.shape_coverage(name, size, rng)
    if kind == "scribble":
        return lambda size, width: strokes.scribble_coverage(size, rng)
    if kind == "blank":
        return lambda size, width: np.zeros((size, size), np.float32)
    if kind == "smudge":
        return lambda size, width: _smudge(size, rng)
    pair = digits[rng.integers(len(digits), size=2)]  # two_digits
    return lambda size, width: _side_by_side(pair, size, width)


def _smudge(size: int, rng: np.random.Generator) -> np.ndarray:
    """A large soft blot of low coverage (a rubbed-out mark, a thumb print)."""
    ys, xs = np.mgrid[0:size, 0:size] / size
    cy, cx, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.35)
    blob = np.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * r * r))
    blob *= np.sin(np.pi * ys) * np.sin(np.pi * xs)  # fades out before the field's edge
    return (rng.uniform(0.1, 0.3) * blob).astype(np.float32)


def _side_by_side(pair: np.ndarray, size: int, width: float) -> np.ndarray:
    """Two digits, each half the field wide, as a two-digit number is written."""
    half = size // 2
    cov = np.zeros((size, size), np.float32)
    for k, digit in enumerate(pair):
        cov[size // 4 : size // 4 + half, k * half : k * half + half] = strokes.digit_coverage(digit, half, width)
    return cov
