"""Reading photos: MNIST validation digits rendered as photos (mnist_edge.synth) through
mnist_edge.image and the shipped INT8 model.

Per condition (all three severities pooled, PER_SEVERITY each, fixed seed) the share read right
must hold a floor a few points under what was measured when the floors were set
(bench/scripts/photos.py measures the same with more images and the old pipeline beside it).
Also: blank pages under uneven light and on notebook paper are "blank", a palette PNG with a
transparent background keeps its strokes solid, ruling and the table's edge do not become the
digit, a thumbnail under falling light, showing the table or under a shadow at 64 px is read,
hard-pressed pencil in low contrast is read (not "blank"), and validation digits as they are (28
x 28) are neither refused nor changed. Digits come from train indices 50000-59999 only.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_edge.api import load
from mnist_edge.calibration import most_confident, softmax
from mnist_edge.data.mnist import load_split
from mnist_edge.errors import UserError
from mnist_edge.image.digit import fit_digit
from mnist_edge.image.holes import mask_stroke_width
from mnist_edge.image.preprocess import preprocess_image
from mnist_edge.image.shape import RING_IN_RING, TOO_MANY_STROKES, TOO_ROUND, contradicts, not_a_digit_shape
from mnist_edge.model.session import OnnxModel
from mnist_edge.synth import nondigits, photos, small, strokes
from mnist_edge.views import logits_over_views

pytestmark = pytest.mark.mnist
PER_SEVERITY = 5
# Measured on these seeds (15 per condition: one miss is 6.7 points): floors about one or two misses under
# (large8: 0.867, the code before crop.source_size 0.733).
PHOTO_FLOORS = {
    "clean": 0.93, "gradient": 0.9, "vignette": 0.9, "shadow": 0.8, "tinted": 0.9, "pencil": 0.8,
    "ballpoint": 0.9, "felt": 0.75, "low_contrast": 0.9, "defocus": 0.9, "motion": 0.9, "noise": 0.9,
    "dust": 0.9, "jpeg": 0.8, "ruled": 0.8, "squared": 0.8, "table": 0.9, "stray": 0.9, "thin": 0.9,
    "thick": 0.8, "outline": 0.8, "rgba": 0.9, "palette": 0.9, "low_res": 0.85,
}
SMALL_FLOORS = {"noise28": 0.9, "blur28": 0.9, "contrast28": 0.9, "lines28": 0.85, "outline28": 0.8,
                "speckle28": 0.8, "tight16": 0.85, "scan16": 0.85, "blocks8": 0.93, "large8": 0.8}


@pytest.fixture(scope="module")
def validation(mnist_dir):
    train = load_split("train", mnist_dir)
    return train.images[50000:], train.labels[50000:]


@pytest.fixture(scope="module")
def model():
    return OnnxModel()


def _shape(digit):
    return lambda size, width: strokes.digit_coverage(digit, size, width)


def _read(model, images) -> tuple[np.ndarray, list]:
    """PIL images -> ((n,) digits read, -1 where refused; reasons); of several readings (a tight
    crop's, an outline's), the network's most confident one, as the API takes it."""
    fitted = [fit_digit(img) for img in images]
    digits = [_choice(model, [f.pixels, *f.alternatives]) for f in fitted]
    return np.where([f.reason is None for f in fitted], digits, -1), [f.reason for f in fitted]


def _choice(model, readings: list) -> int:
    logits = logits_over_views(model.predict_logits, np.stack(readings))  # (k, 10), as predict reads
    return int(logits[most_confident(softmax(logits))].argmax())


def _accuracy(model, validation, condition, make) -> float:
    images, labels = validation
    rng = np.random.default_rng(sum(map(ord, condition)))
    picks = rng.integers(len(images), size=3 * PER_SEVERITY)
    made = [make(images[k], rng, condition, 1 + n // PER_SEVERITY) for n, k in enumerate(picks)]
    return float(np.mean(_read(model, made)[0] == labels[picks]))


@pytest.mark.parametrize("condition", list(photos.CONDITIONS))
def test_photo_condition_holds_its_floor(model, validation, condition):
    make = lambda d, rng, c, s: photos.photo(_shape(d), rng, c, s)  # noqa: E731
    accuracy = _accuracy(model, validation, condition, make)
    assert accuracy >= PHOTO_FLOORS[condition], f"{condition}: {accuracy:.3f}"


@pytest.mark.parametrize("condition", list(small.SMALL_CONDITIONS))
def test_small_condition_holds_its_floor(model, validation, condition):
    accuracy = _accuracy(model, validation, condition, small.degrade)
    assert accuracy >= SMALL_FLOORS[condition], f"{condition}: {accuracy:.3f}"


BLANK_PAGES = [{"gradient": 3}, {"vignette": 3}, {"shadow": 2}, {"ruled": 2, "gradient": 1},
               {"squared": 1, "vignette": 1}, {"tinted": 2, "noise": 2}, {"table": 1, "jpeg": 2}]


@pytest.mark.parametrize("conditions", BLANK_PAGES, ids=lambda c: "+".join(c))
def test_blank_page_is_blank(conditions):
    rng = np.random.default_rng(len(conditions))
    for _ in range(3):
        page = photos.render(lambda size, width: np.zeros((size, size), np.float32), rng, conditions)
        assert fit_digit(page).reason == "blank"
        with pytest.raises(UserError, match="no digit found"):
            preprocess_image(page)


def test_transparent_palette_seven_stays_a_solid_seven(model, validation):
    """A palette PNG whose white background index is transparent: strokes, not outlines."""
    images, labels = validation
    sevens = images[labels == 7][:12]
    for severity in (1, 2, 3):
        rng = np.random.default_rng(severity)
        for digit in sevens[4 * (severity - 1) : 4 * severity]:
            state = rng.bit_generator.state
            png = photos.render(_shape(digit), rng, {"palette": severity, "felt": 1})
            rng.bit_generator.state = state
            opaque = photos.render(_shape(digit), rng, {"felt": 1})
            assert png.mode == "P" and "transparency" in png.info
            seen, reference = fit_digit(png).pixels, fit_digit(opaque).pixels
            assert np.corrcoef(seen.ravel(), reference.ravel())[0, 1] > 0.75  # an outline: ~0.4
            assert model.predict_logits(seen[None, None]).argmax() == 7


def test_ruling_does_not_become_the_digit(validation):
    images, _ = validation
    for n, digit in enumerate(images[:12]):
        paper = {"ruled": 1 + n % 3} if n % 2 else {"squared": 1 + n % 3}
        plain = photos.render(_shape(digit), np.random.default_rng(n), {})
        lined = photos.render(_shape(digit), np.random.default_rng(n), paper)  # same page, same place
        a, b = fit_digit(plain), fit_digit(lined)
        assert b.reason is None
        assert np.corrcoef(a.pixels.ravel(), b.pixels.ravel())[0, 1] > 0.8, paper


def _seeded_photo(model, validation, seed: int, conditions: dict):
    """-> (the seed's validation digit as a photo under conditions, what fit_digit made of it,
    the digit the model reads there, its label)."""
    images, labels = validation
    rng = np.random.default_rng(seed)
    k = int(rng.integers(len(images)))
    photo = photos.render(_shape(images[k]), rng, conditions)
    fitted = fit_digit(photo)
    return photo, fitted, int(model.predict_logits(fitted.pixels[None, None]).argmax()), int(labels[k])


@pytest.mark.parametrize("seed", [59, 277])
def test_the_tables_edge_does_not_join_a_digit_beside_it(model, validation, seed):
    """A digit written close to the page's edge with the dark table beyond: smoothing the
    background across the edge left a rim of "ink" along it that joined the digit ("not a
    digit", or a 2 with a bar); the background keeps the edge sharp on the table's side."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"table": 2})
    assert fitted.reason is None, fitted.detail
    assert read == label


@pytest.mark.parametrize("seed", [30, 73, 80])
def test_a_digit_touching_the_table_beyond_the_pages_edge_is_read(model, validation, seed):
    """The table beyond the page's edge, in a band narrower than the background's window, is "ink";
    a digit touching it was one mark with it (a bar under a 4, an L around it). A band of ink along
    an image edge is taken out up to its straight inner edge (table x 3, 300 seeds: 274 -> 287)."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"table": 3})
    assert fitted.reason is None, fitted.detail
    assert read == label


@pytest.mark.parametrize("index", [75, 360])
def test_a_tightly_cropped_seven_keeps_its_bar_along_the_edge(model, validation, index):
    """A 7 cropped to its box: its bar inks the top edge like the table beyond a page would, but
    the stem runs from it to the opposite edge, so it is a digit, not a band (without that check
    these two read as something else). Scaled up from its 28 px, it is now analysed at about
    that size (crop.source_size) and read, as the API reads, by its most confident reading."""
    images, labels = validation
    digit = images[index]
    rows, cols = np.flatnonzero(digit.max(1) > 60), np.flatnonzero(digit.max(0) > 60)
    crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    page = Image.fromarray(255 - crop).resize((120, 140), Image.Resampling.BICUBIC)  # scaled up past 96 px
    read, reasons = _read(model, [page])
    assert labels[index] == 7 and reasons == [None], reasons
    assert read[0] == 7


@pytest.mark.parametrize("index", [24, 26, 42])
def test_a_zero_crossed_by_a_diagonal_line_keeps_its_loop(model, validation, index):
    """A 1 px line at 45 degrees across a 28 x 28 crop: measured against its Euclidean chord it
    never covered 80% and stayed, cutting a 0's hole in two, and the hollow-digit filler filled
    both halves (a blob, refused). 13 of the first 30 validation 0s were read; now all 30."""
    images, labels = validation
    crossed = Image.fromarray(images[index])
    ImageDraw.Draw(crossed).line((0, 1, 28, 27), fill=220, width=1)
    fitted = fit_digit(crossed)
    assert labels[index] == 0 and fitted.reason is None, fitted.detail
    assert int(model.predict_logits(fitted.pixels[None, None]).argmax()) == 0


@pytest.mark.parametrize("condition,severity,indices", [
    ("scan16", 3, [356, 363, 403, 500, 538]), ("large8", 1, [24, 383, 391, 407, 589])])
def test_a_small_scan_scaled_up_is_also_read_as_the_crop_it_was(validation, condition, severity, indices):
    """Validation digits as binary 16 x 16 scans at 192 px and as optdigits-style 8 x 8 counts at
    128 px: found scaled up (crop.source_size), each is also read as the crop it was, its border
    the paper (crop.scanned_crop), whether or not its digit spans the image, and the network
    takes the more confident reading. These ten were refused or misread before (of the first 600
    of each: 577 -> 582 and 553 -> 558 read)."""
    images, labels = validation
    made = [small.degrade(images[k], np.random.default_rng(0), condition, severity) for k in indices]
    assert [p.digit for p in load().predict_many(made)] == list(labels[indices])


def test_a_small_photo_under_falling_light_is_read(model, validation):
    """Thumbnails (shorter side 65-80 px) whose light falls 38% across: one paper level for the
    whole image took the light's fall for noise and found "blank" in 9 of 60 (seeds 0 and 1 among
    them); a surface through the frame's pixels reads all."""
    for seed in range(8):
        photo, fitted, read, label = _seeded_photo(model, validation, seed, {"low_res": 2, "gradient": 2})
        assert min(photo.size) < 96 and fitted.reason is None, (seed, fitted.detail)
        assert read == label, seed


@pytest.mark.parametrize("seed", [7, 21, 22])
def test_a_thumbnail_showing_the_table_reads_the_digit_not_the_table(model, validation, seed):
    """A photo of 80-95 px with the dark table along one side: with one paper level for the
    whole image the table is the largest mark, and every mark of a crop may be the digit; a mark
    lying along the image's edge is not (digit.EDGE_CONTACT)."""
    photo, fitted, read, label = _seeded_photo(model, validation, seed, {"low_res": 1, "table": 1})
    assert min(photo.size) < 96 and fitted.reason is None, fitted.detail
    assert read == label


@pytest.mark.parametrize("seed", [7, 165, 193])
def test_a_felt_pens_wide_strokes_stay_solid(model, validation, seed):
    """Strokes as wide as Sauvola's window (a felt pen, a close-up): inside such a stroke the ink
    is its own local mean and the threshold cut it into two rims and slivers (read wrong, or
    "two marks side by side"); the window now widens with the background's."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"felt": 3})
    assert fitted.reason is None, fitted.detail
    assert read == label


@pytest.mark.parametrize("seed", [18, 44, 50])
def test_an_outlined_one_is_filled_not_read_as_a_zero(model, validation, seed):
    """An outlined 1 encloses one long straight slit, which the ribbon test took for a narrow 0's
    loop and left open: the network read 0 or 8. A slit as large as its outline is filled."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"outline": 2})
    assert label == 1 and fitted.reason is None, fitted.detail
    assert read == 1


@pytest.mark.parametrize("severity,seed", [(1, 234), (2, 268), (1, 279)])
def test_a_faint_outlines_ribbon_is_filled(model, validation, severity, seed):
    """A small or faint outline's ribbon measures only 4.0-4.5 in perimeter^2 / (4 pi area): left
    open, the network read these hollow 7, 6 and 3 as 8. Ribbons from holes.ELONGATED = 3.6 are filled."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"outline": severity})
    assert fitted.reason is None and read == label


@pytest.mark.parametrize("seed", [196, 229, 308])
def test_an_outline_around_a_wide_stroke_is_also_read_filled(model, validation, seed):
    """A pen's outline around a wide stroke encloses a short, fat ribbon that the ribbon test
    takes for a written loop and leaves open: the network read these hollow 4, 9 and 3 as 9, 8
    and 8. The reading with such holes filled (holes.BOLD_*) is offered too, and the API takes
    the network's more confident reading."""
    from mnist_edge.api import load

    photo, fitted, read, label = _seeded_photo(model, validation, seed, {"outline": 2})
    assert fitted.reason is None and read != label and len(fitted.alternatives) == 1
    assert _choice(model, [fitted.pixels, *fitted.alternatives]) == label
    assert load().predict(photo).digit == label


@pytest.mark.parametrize("conditions,seed", [({"thick": 3}, 63), ({"thick": 3}, 72), ({"thick": 3}, 111),
                                            ({"outline": 1}, 15), ({"outline": 1}, 53), ({"outline": 1}, 88)])
def test_strokes_wider_than_mnists_are_thinned_and_read(model, validation, conditions, seed):
    """A marker's strokes, or an outline filled solid, were as wide as a third of the digit: the
    network, which never saw such widths, read 2 -> 3, 7 -> 9, 4 -> 9, 4 -> 2, 8 -> 3, 9 -> 8.
    Strokes wider than MNIST's 99th percentile are thinned (fit.thinned); 150 seeds each: thick
    6 and outlined 5 more read, none lost."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, conditions)
    assert fitted.reason is None and read == label


def test_a_digit_cropped_to_its_box_is_read_through_the_api(model, validation):
    """Validation digits cut to their box, 16 x 16, shown at 28 px (a USPS-style scan): the rules
    meant for pages take strokes from edge to edge for lines across the crop (that reading read
    35% of these 20); with no straight lines across it, such a crop is read with a margin of
    paper alone, preprocessing's own reading (95%)."""
    from mnist_edge.api import load

    images, labels = validation
    rng = np.random.default_rng(16)
    picks = rng.integers(len(images), size=20)
    crops = [small.degrade(images[k], rng, "tight16", 2) for k in picks]
    read = np.array([p.digit for p in load().predict_many(crops)])
    usual = model.predict_logits(np.stack([preprocess_image(c) for c in crops])[:, None]).argmax(1)
    assert np.mean(read == labels[picks]) >= 0.85
    assert np.mean(usual == labels[picks]) >= 0.85


def test_an_outline_is_closed_where_the_shape_touches_its_canvas():
    """The generator's outlined digits: a shape reaching the canvas's edge (MNIST's centring puts
    many a 7's leg there) still gets its rim along that edge, as a person's outline would."""
    bar = np.zeros((140, 140), np.float32)
    bar[20:, 60:80] = 1.0  # a leg running off the bottom edge
    hollow = strokes.outline(bar, np.random.default_rng(0)) > 0.5
    rows = np.flatnonzero(hollow.any(1))
    assert hollow[rows[-1] - 3 : rows[-1] + 1, 70].any()  # the rim crosses the leg's bottom
    assert not hollow[60:100, 70].any()  # and the leg's middle stays hollow


def test_validation_digits_are_not_refused_or_changed(validation):
    images, _ = validation
    fitted = [fit_digit(Image.fromarray(d)) for d in images[:300]]
    assert sum(f.reason is not None for f in fitted) <= 1  # at most 0.33% refused
    exact = sum(np.allclose(f.pixels, d / float(d.max()), atol=1e-6) for f, d in zip(fitted, images))
    assert exact >= 291, exact  # MNIST oddities (specks far from the digit) are dropped


@pytest.mark.parametrize("kind,floor", [("blank", 0.9), ("noise", 0.9), ("two_digits", 0.6), ("smudge", 0.7)])
def test_non_digits_are_refused(model, validation, kind, floor):
    rng = np.random.default_rng(11)
    refused = np.mean([fit_digit(nondigits.nondigit(kind, rng, validation[0])).reason is not None
                       for _ in range(20)])
    assert refused >= floor, f"{kind}: {refused:.2f}"


def _beside(left: np.ndarray, right: np.ndarray, gap: float) -> photos.Shape:
    """Two validation digits on one line, `gap` x a digit's size apart, as a two-digit number."""
    def shape(size: int, width: float) -> np.ndarray:
        d = int(size * 0.45)
        cov = np.zeros((size, size), np.float32)
        at = int(d * (1 + gap) * 0.75)
        cov[size // 4 : size // 4 + d, :d] = strokes.digit_coverage(left, d, width)
        cov[size // 4 : size // 4 + d, at : at + d] = np.maximum(cov[size // 4 : size // 4 + d, at : at + d],
                                                                 strokes.digit_coverage(right, d, width))
        return cov
    return shape


@pytest.mark.parametrize("gap", [0.3, 0.6])
def test_a_one_beside_a_digit_makes_two_digits(validation, gap):
    """A 1 is one stroke: beside another digit it often holds under 0.4 of its ink, and was taken
    for a stray mark (the other digit was read). A mark as tall as the digit with a quarter of its
    ink is a rival digit (verdicts.RIVAL). Measured on these seeds, clean and pencil: 40 of 40
    refused at both gaps (35 and 36 before)."""
    images, labels = validation
    ones, others = np.flatnonzero(labels[:3000] == 1), np.flatnonzero(labels[:3000] != 1)
    refused = 0
    for condition in ("clean", "pencil"):
        for seed in range(20):
            rng = np.random.default_rng(seed)
            shape = _beside(images[others[seed]], images[ones[seed]], gap)
            refused += fit_digit(photos.photo(shape, rng, condition, 1)).reason == "not_a_digit"
    assert refused >= 39, refused


def test_the_fonts_of_the_letters_and_symbols_are_installed(monkeypatch):
    """The letters and symbols below (and in the photos bench) are drawn in strokes.FONTS; where
    one is missing Pillow's own font stands in silently and the shares measure something else."""
    assert strokes.missing_fonts() == [], "install the fonts .ci/run lists"
    monkeypatch.setattr(strokes, "FONT_DIR", "/nonexistent")
    assert strokes.missing_fonts() == list(strokes.FONTS)


# Measured on this seed with the shipped model: letters 80%, symbols 65% (40 each; 55% before
# the dot under ! and ?, verdicts.py); with the top-probability threshold alone (0.6552, before
# min_logsumexp) 72.5% and 55%.
@pytest.mark.parametrize("kind,floor", [("letter", 0.7), ("symbol", 0.55)])
def test_letters_and_symbols_are_not_read_as_digits(validation, kind, floor):
    """Typed and handwriting-font letters and symbols as photos, through the API (predict's path):
    the shipped model's thresholds refuse most (the floor is a few misses under the measured share)."""
    from mnist_edge.api import Prediction, load

    reader = load()
    rng = np.random.default_rng(12)
    answers = reader.predict_many([nondigits.nondigit(kind, rng, validation[0]) for _ in range(40)])
    assert all(isinstance(a, Prediction) for a in answers)
    refused = np.mean([a.digit is None for a in answers])
    assert refused >= floor, f"{kind}: {refused:.2f}"


def test_a_fine_pen_thins_glyphs_as_the_thin_condition_thins_digits():
    """nondigits.thin_pen's letters and symbols (the photos bench's "thin pen" rows): their
    strokes eroded to about the condition's width (0.45 here), not left at the font's."""
    rng = np.random.default_rng(3)
    for text in "AHc#":
        glyph = strokes.glyph_coverage(text, 200, rng)
        ratio = mask_stroke_width(strokes.thinned(glyph, 0.45) > 0.5) / mask_stroke_width(glyph > 0.5)
        assert 0.3 <= ratio <= 0.65, (text, ratio)
        assert strokes.thinned(glyph, 1.0) is glyph
    assert nondigits.thin_pen("letter", rng, np.zeros((1, 28, 28), np.uint8)).mode == "RGB"


@pytest.mark.parametrize("mark", ["!", "?"])
def test_exclamation_and_question_marks_are_no_digits(mark):
    """In the fonts, as photos (clean, with one or two mild conditions), the network read ! as 1
    and ? as 7 at up to 0.99; the dot under the stroke says no digit (verdicts.py). Measured on
    these 20 seeds: 12 and 15 refused so (none before)."""
    refused = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        photo = photos.photo(lambda size, width: strokes.glyph_coverage(mark, size, rng), rng, "clean", 1)
        refused += fit_digit(photo).detail == "a dot under a stroke (! or ?), not a digit"
    assert refused >= 10, refused


@pytest.mark.parametrize("mark,verdict,floor", [("#", TOO_MANY_STROKES, 12), ("@", RING_IN_RING, 13)])
def test_hash_and_at_signs_are_no_digits(mark, verdict, floor):
    """In the fonts, as clean photos, the network read # as a sure 4 and @ as a 0; the shape of
    the 28x28 says otherwise (shape.py). Measured on these 20 seeds: 14 and 15 refused so."""
    refused = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        photo = photos.photo(lambda size, width: strokes.glyph_coverage(mark, size, rng), rng, "clean", 1)
        refused += fit_digit(photo).detail == verdict
    assert refused >= floor, refused


def test_dollar_signs_are_no_fives():
    """In the fonts, as clean photos, the network read $ as a 5 (10 of these 20 seeds); a 5
    encloses at most one region of paper, a $ two (shape.contradicts). Now 16 refused."""
    reader = load()
    refused = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        photo = photos.photo(lambda size, width: strokes.glyph_coverage("$", size, rng), rng, "clean", 1)
        refused += reader.predict(photo).reason == "not_a_digit"
    assert refused >= 14, refused


@pytest.mark.parametrize("mark,floor", [("H", 15), ("A", 16), ("T", 16), ("a", 9)])
def test_letters_the_network_reads_as_fours_sevens_and_twos_are_no_digits(mark, floor):
    """In the fonts, as clean photos, the network read H (18 of these 20 seeds) and A (10) as 4,
    T as 7 (15), a as 2 (9); a 4 stands on one stroke, they on two (shape.two_legs); a 7's stem
    leaves its bar at the end, a T's from the middle (shape.tee); a 2 encloses a small loop at
    most, an a a bowl (shape.bowl). Now 17, 18, 18 and 11 refused (a: 5 before)."""
    reader = load()
    refused = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        photo = photos.photo(lambda size, width: strokes.glyph_coverage(mark, size, rng), rng, "clean", 1)
        refused += reader.predict(photo).reason == "not_a_digit"
    assert refused >= floor, refused


def test_at_signs_in_a_fine_pen_are_no_zeros():
    """In a fine pen (the thin condition, the glyph thinned as a digit's stroke is) an @'s rings
    break into arcs, no ring in a ring, and the network read 7 of these 20 as a 0; a 0 has at most
    four stroke ends (shape.contradicts). 12 refused before, 17 now."""
    reader = load()
    refused = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        photo = photos.photo(lambda size, width: strokes.thinned(strokes.glyph_coverage("@", size, rng), width),
                             rng, "thin", 2)
        refused += reader.predict(photo).digit is None
    assert refused >= 15, refused


@pytest.mark.parametrize("condition,floor", [("clean", 19), ("pencil", 15), ("noise", 19)])
def test_drawn_circles_are_no_zeros(condition, floor):
    """The generator's circles (a shape drawn round, as a template draws it), as photos: the
    network read them as 0; no hand draws that round (shape.too_round). Measured on these 20
    seeds: 20, 17 and 20 refused so."""
    refused = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        photo = photos.photo(lambda size, width: strokes.shape_coverage("circle", size, rng), rng, condition, 1)
        refused += fit_digit(photo).detail == TOO_ROUND
    assert refused >= floor, refused


def test_validation_digits_have_a_digit_s_shape(validation):
    """Of all 10,000 validation digits two crossed 7s with a detached bar count as too many
    strokes, none as a ring in a ring or too round, no 5 encloses two regions, two 4s stand on
    two legs, one 2 encloses a bowl, no 0 has five stroke ends; none of these 3,000 at all."""
    images, labels = validation
    pixels = images[:3000] / np.float32(255)
    assert not any(not_a_digit_shape(p) for p in pixels)
    assert not any(contradicts(int(d), p) for d, p in zip(labels, pixels))


@pytest.mark.parametrize("seed", [23, 98, 229])
def test_what_a_ruling_line_leaves_under_a_stroke_is_no_dot(model, validation, seed):
    """On ruled paper (severity 3) the ruling taken out leaves a stub beside a stroke's end; taken
    for the dot of a ! it refused 13 of 400 seeds (these a 7, a 1 and a 9). Pieces touching the
    ruling taken out are no dots."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"ruled": 3})
    assert fitted.reason is None and read == label


@pytest.mark.parametrize("seed", [14, 22, 29, 54])
def test_hard_pressed_pencil_in_low_contrast_is_read_not_blank(model, validation, seed):
    """Pencil at severity 3 under low contrast: strokes about 8% darker than the paper, under
    1.35 x the noise floor, were refused as "only faint marks (light, shadow)"."""
    _, fitted, read, label = _seeded_photo(model, validation, seed, {"pencil": 3, "low_contrast": 1})
    assert fitted.reason is None and read == label


def test_salt_and_pepper_on_a_28x28_digit_is_taken_out(validation):
    """10% of the pixels set to black or white: the specks of one or two pixels are no strokes
    (filters.despeckle); kept, they were read as ink and the digit was often refused as unsure
    through the API (35 of 40 read before, 40 after)."""
    images, labels = validation
    rng = np.random.default_rng(28)
    picks = rng.integers(len(images), size=40)
    found = load().predict_many([small.degrade(images[k], rng, "speckle28", 3) for k in picks])
    assert np.mean([p.digit for p in found] == labels[picks]) >= 0.95


def test_a_thumbnail_under_a_shadow_is_also_read_at_a_photos_scale(validation):
    """Photos under a hand's soft shadow scaled down to 64 px (shorter side): at that size one
    paper level, the noise floor and Sauvola's windows are a crop's, and these nine were refused
    or misread (29 of the first 40 seeds read); each is also read scaled up to a photo's scale
    (background.enlarged), the network taking the more confident reading (38 of 40)."""
    images, labels = validation
    made, truth = [], []
    for seed in [1, 2, 13, 16, 23, 29, 30, 34, 37]:
        rng = np.random.default_rng(seed)
        k = int(rng.integers(len(images)))
        photo = photos.render(_shape(images[k]), rng, {"shadow": 2})
        f = 64 / min(photo.size)
        made.append(photo.resize((round(photo.width * f), round(photo.height * f)), Image.Resampling.BOX))
        truth.append(int(labels[k]))
    assert [p.digit for p in load().predict_many(made)] == truth
