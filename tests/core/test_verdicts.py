"""Verdicts from the layout of the marks (image/verdicts.py) on drawn pages: no data, no fonts."""

from __future__ import annotations

from PIL import Image, ImageDraw

from mnist_edge.image.digit import fit_digit

DOT_VERDICT = "a dot under a stroke (! or ?), not a digit"


def _page(dot_gap: int | None = None, specks: tuple = ()) -> Image.Image:
    """A 200 px page with a 75 px stroke (a 1), a 12 px dot dot_gap px under its end, specks."""
    img = Image.new("L", (200, 200), 235)
    draw = ImageDraw.Draw(img)
    draw.line([(100, 50), (98, 125)], fill=30, width=9)
    if dot_gap is not None:
        draw.ellipse([94, 125 + dot_gap, 106, 137 + dot_gap], fill=30)
    for x, y in specks:
        draw.ellipse([x, y, x + 6, y + 6], fill=30)
    return img


def test_a_stroke_with_a_dot_under_its_end_is_no_digit():
    """An exclamation mark was read as a 1 at 0.99."""
    fitted = fit_digit(_page(dot_gap=8))
    assert (fitted.reason, fitted.detail) == ("not_a_digit", DOT_VERDICT)


def test_the_stroke_alone_is_a_digit():
    assert fit_digit(_page()).reason is None


def test_a_dot_far_below_or_among_stray_specks_is_no_verdict():
    """A mark half the stroke's height below is not its dot; specks around are stray marks
    (the photos' `stray` condition), not punctuation."""
    assert fit_digit(_page(dot_gap=40)).reason is None
    assert fit_digit(_page(dot_gap=8, specks=((60, 150), (140, 40)))).reason is None
