"""The 28x28 shape verdicts (image/shape.py) and the thinning under them, on drawn images: no
data, no fonts.

The vectorised thinning (a lookup table over all pixels at once) is checked against Zhang and
Suen's rules written out pixel by pixel, in order, as the paper gives them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_edge.image.components import label
from mnist_edge.image.digit import fit_digit
from mnist_edge.image.shape import (RING_IN_RING, TOO_MANY_STROKES, TOO_ROUND, bowl, broken_ring, contradicts, holes,
                                    holes_side_by_side, ring_in_ring, skeleton, tee, too_many_strokes, too_round,
                                    two_legs)


def _zhang_suen_by_the_paper(ink: np.ndarray) -> np.ndarray:
    b = np.pad(ink.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            gone = []
            for y in range(1, b.shape[0] - 1):
                for x in range(1, b.shape[1] - 1):
                    if not b[y, x]:
                        continue
                    p = [b[y - 1, x], b[y - 1, x + 1], b[y, x + 1], b[y + 1, x + 1],
                         b[y + 1, x], b[y + 1, x - 1], b[y, x - 1], b[y - 1, x - 1]]  # P2..P9
                    a = sum(p[k] == 0 and p[(k + 1) % 8] == 1 for k in range(8))
                    first = p[0] * p[2] * p[4] == 0 and p[2] * p[4] * p[6] == 0
                    second = p[0] * p[2] * p[6] == 0 and p[0] * p[4] * p[6] == 0
                    if 2 <= sum(p) <= 6 and a == 1 and (first if step == 0 else second):
                        gone.append((y, x))
            for y, x in gone:  # all decided on the sub-iteration's start, then removed
                b[y, x] = 0
            changed |= bool(gone)
        if not changed:
            return b[1:-1, 1:-1]


def _drawn(lines: list, size: int = 28, width: int = 2, rings: list = ()) -> np.ndarray:
    """(size, size) float32 in [0, 1]: white strokes on black, as the network sees a digit;
    rings: ellipses' boxes (x0, y0, x1, y1)."""
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    for line in lines:
        draw.line(line, fill=255, width=width)
    for box in rings:
        draw.ellipse(box, outline=255, width=width)
    return np.asarray(img, np.float32) / 255


HASH = [[(10, 4), (9, 24)], [(18, 4), (17, 24)], [(4, 10), (24, 10)], [(4, 18), (24, 18)]]


@pytest.mark.parametrize("seed", range(6))
def test_thinning_is_zhang_and_suen_s(seed):
    rng = np.random.default_rng(seed)
    lines = [[tuple(rng.integers(3, 25, 2)), tuple(rng.integers(3, 25, 2))] for _ in range(3)]
    ink = _drawn(lines, width=int(rng.integers(1, 5))) > 0.4
    assert np.array_equal(skeleton(ink), _zhang_suen_by_the_paper(ink))


def test_thinning_keeps_each_stroke_whole_and_one_pixel_wide():
    ink = _drawn([[(4, 14), (24, 14)], [(6, 4), (20, 4)]], width=5) > 0.4  # two bars apart
    s = skeleton(ink)
    assert (s <= ink).all()
    assert label(s.astype(bool)).count == label(ink).count == 2
    assert s[9:20, 10:20].sum(axis=0).max() == 1  # across the long bar: one pixel


def test_a_hash_has_more_ends_and_crossings_than_a_digit():
    assert too_many_strokes(_drawn(HASH))


@pytest.mark.parametrize("lines", [
    [[(14, 4), (14, 24)], [(4, 14), (24, 14)]],  # a plus: 4 ends, 1 crossing
    [[(20, 4), (20, 24)], [(20, 4), (6, 17)], [(6, 17), (24, 17)]],  # a 4: 3 ends
    [[(6, 4), (22, 4)], [(22, 4), (10, 24)], [(9, 14), (21, 14)]],  # a crossed 7: 4 ends, 1 crossing
])
def test_digit_like_strokes_are_not_too_many(lines):
    assert not too_many_strokes(_drawn(lines))


def test_specks_beside_a_stroke_are_not_stroke_ends():
    """Dust left in the 28x28 (the noisy 28x28 conditions) would add ends of its own."""
    pixels = _drawn([[(14, 4), (14, 24)], [(4, 14), (24, 14)]])
    for y, x in [(3, 3), (3, 24), (24, 3), (24, 24), (8, 22)]:
        pixels[y:y + 2, x:x + 1] = 1.0  # 2-pixel specks: two ends each if kept
    assert not too_many_strokes(pixels)


def test_a_photographed_hash_is_no_digit():
    """A # written slanted on a page: the network read such a mark as a sure 4."""
    img = Image.new("L", (200, 200), 235)
    draw = ImageDraw.Draw(img)
    for line in [[(94, 65), (82, 135)], [(118, 65), (106, 135)], [(65, 88), (135, 88)], [(61, 112), (131, 112)]]:
        draw.line(line, fill=30, width=6)
    fitted = fit_digit(img)
    assert (fitted.reason, fitted.detail) == ("not_a_digit", TOO_MANY_STROKES)


def test_a_ring_in_a_ring_is_no_digit():
    """An @'s outer stroke around its a: the network read such marks as a sure 0."""
    assert ring_in_ring(_drawn([], rings=[(5, 4, 23, 24), (10, 9, 18, 19)]))


@pytest.mark.parametrize("lines,rings", [
    ([], [(8, 4, 20, 24)]),  # a 0
    ([[(9, 22), (19, 6)]], [(8, 4, 20, 24)]),  # a slashed 0
    ([[(13, 13), (14, 14)]], [(8, 4, 20, 24)]),  # a dotted 0
    ([], [(9, 4, 19, 13), (8, 13, 20, 24)]),  # an 8
])
def test_zeros_and_eights_are_no_ring_in_a_ring(lines, rings):
    assert not ring_in_ring(_drawn(lines, rings=rings))


def test_a_photographed_at_sign_is_no_digit():
    """An @ written on a page: the network read it as a 0 (0.86)."""
    img = Image.new("L", (200, 200), 235)
    draw = ImageDraw.Draw(img)
    draw.arc([55, 50, 145, 150], 60, 380, fill=30, width=7)  # the outer stroke, open at the lower right
    draw.ellipse([80, 78, 118, 120], outline=30, width=7)  # the a's bowl
    draw.line([(118, 80), (120, 118), (128, 130)], fill=30, width=7)  # its stem, curling out
    fitted = fit_digit(img)
    assert (fitted.reason, fitted.detail) == ("not_a_digit", RING_IN_RING)


def _ring(box: tuple, width: int, fill: bool = False) -> np.ndarray:
    """(28, 28) float32: an ellipse drawn 4x larger and reduced, antialiased as fit_digit's 28x28 are."""
    img = Image.new("L", (112, 112), 0)
    ImageDraw.Draw(img).ellipse([4 * v for v in box], outline=255, width=4 * width, fill=255 if fill else None)
    return np.asarray(img.resize((28, 28), Image.LANCZOS), np.float32) / 255


@pytest.mark.parametrize("box", [(4, 4, 24, 24), (6, 6, 22, 22), (8, 8, 20, 20), (4, 5, 23, 24)])
@pytest.mark.parametrize("width", [2, 3, 5])
def test_a_drawn_circle_is_too_round(box, width):
    assert too_round(_ring(box, width))


@pytest.mark.parametrize("box", [(5, 4, 23, 24), (6, 4, 22, 24), (8, 4, 20, 24)])  # 0.9 to 0.6 as wide as tall
def test_a_zero_as_a_hand_draws_it_is_not_too_round(box):
    assert not any(too_round(_ring(box, width)) for width in (2, 3, 5))
    assert not too_round(_drawn([], rings=[(9, 4, 19, 13), (8, 13, 20, 24)]))  # an 8
    assert not too_round(np.zeros((28, 28), np.float32))


def test_a_disc_is_too_round_and_a_photographed_circle_is_no_digit():
    """A circle drawn on a page (a template's, a printed one): the network read such rings as 0."""
    assert too_round(_ring((6, 6, 22, 22), 2, fill=True))  # a circle whose hole a wide pen closed
    for width in (4, 8, 14):
        img = Image.new("L", (200, 200), 235)
        ImageDraw.Draw(img).ellipse((50, 50, 150, 150), outline=30, width=width)
        fitted = fit_digit(img)
        assert (fitted.reason, fitted.detail) == ("not_a_digit", TOO_ROUND)
        oval = Image.new("L", (200, 200), 235)
        ImageDraw.Draw(oval).ellipse((60, 40, 140, 160), outline=30, width=width)  # a 0
        assert fit_digit(oval).reason is None


def test_holes_are_the_paper_the_ink_encloses():
    assert holes(_drawn([], rings=[(8, 4, 20, 24)])) == 1  # a 0
    assert holes(_drawn([], rings=[(9, 4, 19, 13), (8, 13, 20, 24)])) == 2  # an 8
    assert holes(_drawn([[(14, 4), (14, 24)]])) == 0  # a 1
    assert holes(_drawn([], rings=[(-4, 4, 12, 24)])) == 0  # a ring cut by the edge encloses nothing


def test_a_five_closing_two_loops_is_a_struck_s():
    """An S struck through top to bottom closes two loops: a $, which the network read as 5."""
    img = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(img)
    draw.arc((8, 4, 20, 14), 90, 330, fill=255, width=2)  # the S's upper bowl, open to the right
    draw.arc((8, 13, 20, 24), -90, 150, fill=255, width=2)  # its lower one, open to the left
    draw.line([(14, 2), (14, 26)], fill=255, width=2)  # the stroke through
    dollar = np.asarray(img, np.float32) / 255
    assert holes(dollar) == 2
    assert contradicts(5, dollar)
    assert not contradicts(8, dollar)  # an 8 closes two
    assert not contradicts(5, _drawn([], rings=[(8, 12, 20, 24)]))  # a 5 closing its bowl


H = [[(8, 4), (8, 24)], [(20, 4), (20, 24)], [(8, 14), (20, 14)]]
A = [[(14, 4), (7, 24)], [(14, 4), (21, 24)], [(10, 16), (18, 16)]]


@pytest.mark.parametrize("lines", [
    [[(9, 4), (7, 16)], [(7, 16), (21, 16)], [(17, 6), (17, 24)]],  # open at the top
    [[(17, 4), (7, 17)], [(7, 17), (21, 17)], [(17, 4), (17, 24)]],  # closed
    [[(9, 4), (5, 17)], [(5, 17), (23, 17)], [(18, 6), (16, 24)]],  # wide, the stem slanted
])
def test_a_four_stands_on_one_leg(lines):
    assert not two_legs(_drawn(lines))
    assert not contradicts(4, _drawn(lines))


def test_an_h_or_an_a_read_as_four_stands_on_two_legs():
    """The network read H and A as sure 4s; their two legs say otherwise (a 4 only)."""
    for letter in (H, A):
        assert two_legs(_drawn(letter)) and contradicts(4, _drawn(letter))
    assert not contradicts(1, _drawn(H))  # only a 4 is judged so
    assert not two_legs(np.zeros((28, 28), np.float32))


@pytest.mark.parametrize("lines", [
    [[(6, 5), (21, 5)], [(21, 5), (11, 24)]],
    [[(6, 5), (23, 5)], [(19, 5), (11, 24)]],  # the bar past the corner
    [[(6, 5), (21, 5)], [(21, 5), (11, 24)], [(10, 14), (22, 14)]],  # crossed
    [[(6, 9), (6, 5)], [(6, 5), (21, 5)], [(21, 5), (11, 24)]],  # a serif at the bar's start
])
def test_a_seven_s_stem_leaves_its_bar_at_the_end(lines):
    assert not tee(_drawn(lines))
    assert not contradicts(7, _drawn(lines))


def test_a_t_read_as_seven_has_its_stem_in_the_bar_s_middle():
    """The network read T as a sure 7; its bar runs on both sides of the stem."""
    t = _drawn([[(5, 5), (23, 5)], [(14, 5), (14, 24)]])
    assert tee(t) and contradicts(7, t)
    assert not contradicts(1, t)  # only a 7 is judged so


TWO = [[(7, 9), (12, 4)], [(12, 4), (18, 4)], [(18, 4), (21, 9)], [(21, 9), (7, 23)], [(7, 23), (22, 23)]]


@pytest.mark.parametrize("loop", [[], [(5, 17, 12, 24)]])  # plain; with a small loop where it turns into its base
def test_a_two_encloses_at_most_a_small_loop(loop):
    two = _drawn(TWO, rings=loop)
    assert holes(two) == len(loop) and not bowl(two) and not contradicts(2, two)


def test_an_a_read_as_two_encloses_a_bowl():
    """Typed and round-hand a's were read as sure 2s: a hook on top and a bowl below, as big as
    half the a (the 28x28 holds it at a digit's size)."""
    a = _drawn([[(8, 6), (14, 4)], [(14, 4), (20, 7)], [(20, 7), (20, 24)]], rings=[(5, 12, 21, 24)])
    assert bowl(a) and contradicts(2, a)
    assert not contradicts(0, a)  # only a 2 is judged so
    assert not bowl(np.zeros((28, 28), np.float32))


def _arcs(spans: list, box=(4, 4, 24, 24)) -> np.ndarray:
    """(28, 28) float32: arcs of one ellipse, each (start, end) in degrees, 2 px wide."""
    img = Image.new("L", (28, 28), 0)
    for start, end in spans:
        ImageDraw.Draw(img).arc(box, start, end, fill=255, width=2)
    return np.asarray(img, np.float32) / 255


@pytest.mark.parametrize("spans", [[(0, 360)], [(-60, 270)], [(0, 150), (170, 360)]])  # closed; open; one gap
def test_a_zero_has_few_stroke_ends(spans):
    assert not broken_ring(_arcs(spans)) and not contradicts(0, _arcs(spans))


def test_a_ring_broken_into_pieces_is_no_zero():
    """A fine pen breaks an @'s rings into arcs: five stroke ends or more, which no 0 has."""
    broken = _arcs([(0, 60), (80, 150), (170, 250), (270, 340)])
    assert broken_ring(broken) and contradicts(0, broken)
    assert not contradicts(8, broken)  # only a 0 is judged so


def test_loops_side_by_side_are_two_digits_loops():
    assert holes_side_by_side(_drawn([], rings=[(2, 8, 13, 20), (13, 8, 25, 20)]))  # a 00
    assert holes_side_by_side(_drawn([], rings=[(2, 6, 13, 22), (13, 10, 25, 18)]))  # a 0 beside a small o
    assert not holes_side_by_side(_drawn([], rings=[(9, 4, 19, 13), (8, 13, 20, 24)]))  # an 8
    assert not holes_side_by_side(_drawn([], rings=[(2, 2, 12, 12), (14, 15, 25, 25)]))  # loops apart diagonally
