"""Reading numbers: MNIST validation digits composed into photos of numbers (mnist_edge.synth.numbers)
and read by the shipped INT8 model through DigitReader.read.

Digits come from train indices 50000-59999 only, the ones the model reads surely on their own
(so a miss here is the segmentation's, not the network's). Checked: exact strings on a small
seeded set (clean, lined and squared paper), a touching pair split, overlapping touching pairs
parted along the least-ink path between them, a 5 with a detached bar read as one 5, a number
whose every digit is broken, faint pencil under noise, a 1 on squared paper, a low 5 in two
short strokes, a strongly slanted and rotated line read left to right, boxes in the photo's own
pixels (also for a large JPEG decoded reduced), one batched session.run per photo, "?" for a
mark that is no digit, a grid line's faint remnant dropped, a blank page refused, and a
number photographed small (72 px high) read as at a page's scale.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mnist_edge.api import DigitReader
from mnist_edge.data.mnist import load_split
from mnist_edge.errors import UserError
from mnist_edge.model.session import softmax
from mnist_edge.reading import UNSURE_BELOW
from mnist_edge.synth import strokes
from mnist_edge.synth.numbers import number_photo

SURE = 0.999  # a validation digit the model reads this surely on its own


@pytest.fixture(scope="module")
def reader():
    return DigitReader()


@pytest.fixture(scope="module")
def digits(mnist_dir, reader):
    """(images, labels, {digit: indices read surely}) of the validation split."""
    train = load_split("train", mnist_dir)
    images, labels = train.images[50000:], train.labels[50000:]
    probs = softmax(reader.backend.predict_logits(images[:, None].astype(np.float32) / 255))
    sure = {d: np.flatnonzero((labels == d) & (probs.argmax(1) == d) & (probs.max(1) > SURE)) for d in range(10)}
    return images, labels, sure


def picks_for(text: str, sure: dict, rng: np.random.Generator) -> np.ndarray:
    return np.array([rng.choice(sure[int(c)]) for c in text])


def seeded_number(digits, seed: int, condition: str, length: int, **kw):
    """-> (the seed's random number of `length` digits, its photo under `condition`)."""
    images, labels, sure = digits
    rng = np.random.default_rng(seed)
    text = "".join(str(d) for d in rng.integers(0, 10, size=length))
    return text, number_photo(images, labels, rng, condition, length, picks=picks_for(text, sure, rng), **kw)


def iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


@pytest.mark.parametrize("condition", ["clean", "lined", "squared"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_strings_on_plain_lined_and_squared_paper(reader, digits, condition, seed):
    images, labels, sure = digits
    rng = np.random.default_rng(seed)
    text = "".join(str(d) for d in rng.integers(0, 10, size=int(rng.integers(3, 7))))
    number = number_photo(images, labels, rng, condition, len(text), picks=picks_for(text, sure, rng),
                          slant=0.1, degrees=1.0)
    assert number.text == text
    assert reader.read(number.image).text == text


def test_touching_pair_is_split(reader, digits):
    images, labels, sure = digits
    rng = np.random.default_rng(3)
    number = number_photo(images, labels, rng, "clean", 4, picks=picks_for("2026", sure, rng),
                          touching={0, 2}, slant=0.0, degrees=0.0)
    reading = reader.read(number.image)
    assert reading.text == "2026"
    assert len(reading.digits) == 4


def test_broken_five_is_one_digit(reader, digits):
    images, labels, sure = digits
    rng = np.random.default_rng(4)
    number = number_photo(images, labels, rng, "clean", 3, picks=picks_for("358", sure, rng),
                          broken={1}, slant=0.0, degrees=0.0)
    assert reader.read(number.image).text == "358"


def test_every_digit_broken_is_still_one_digit_each(reader, digits):
    """The pieces make the line's height look low, so that a digit's pieces stacked seem too
    tall for one digit; the marks' height estimate alone read this one "?0165"."""
    text, number = seeded_number(digits, 0, "clean", 3, broken={0, 1, 2}, slant=0.0, degrees=0.0)
    assert text == "865" and reader.read(number.image).text == text


def test_slanted_rotated_line_reads_left_to_right_with_boxes_in_pixels(reader, digits):
    images, labels, sure = digits
    rng = np.random.default_rng(5)
    number = number_photo(images, labels, rng, "clean", 6, picks=picks_for("417093", sure, rng),
                          slant=0.35, degrees=-5.0)
    reading = reader.read(number.image)
    assert reading.text == "417093"
    centres = [(d.box[0] + d.box[2]) / 2 for d in reading.digits]
    assert centres == sorted(centres)
    for got, truth in zip(reading.digits, number.boxes):
        assert iou(got.box, truth) > 0.5, (got.box, truth)
    big = number.image.resize((number.image.width * 3, number.image.height * 3), Image.Resampling.BICUBIC)
    for got, truth in zip(reader.read(big).digits, number.boxes):  # the same digits, 3 x the pixels
        assert iou(got.box, tuple(3 * v for v in truth)) > 0.5


def test_boxes_of_a_large_jpeg_are_in_its_full_pixels(reader, digits, tmp_path):
    images, labels, sure = digits
    rng = np.random.default_rng(6)
    number = number_photo(images, labels, rng, "clean", 3, picks=picks_for("905", sure, rng))
    f = 4200 // number.image.width + 1  # wider than 4096: decoded at a quarter or less
    path = tmp_path / "scan.jpg"
    number.image.resize((number.image.width * f, number.image.height * f), Image.Resampling.BICUBIC).save(path)
    reading = reader.read(path)
    assert reading.text == "905"
    for got, truth in zip(reading.digits, number.boxes):
        assert iou(got.box, tuple(f * v for v in truth)) > 0.5, (got.box, truth, f)


def test_each_photo_is_one_session_run(reader, digits, monkeypatch):
    images, labels, sure = digits
    rng = np.random.default_rng(7)
    numbers = [number_photo(images, labels, rng, "touching", 5, picks=picks_for(t, sure, rng))
               for t in ("12345", "67890")]
    calls = []
    session = reader.backend.model  # the onnxruntime backend's OnnxModel: one run() per session.run
    run = session.run
    monkeypatch.setattr(session, "run", lambda batch: calls.append(len(batch)) or run(batch))
    readings = reader.read_many([n.image for n in numbers])
    assert len(calls) == 2 and all(n > len(r.digits) for n, r in zip(calls, readings)), calls


def test_a_scribble_in_place_of_a_digit_is_a_question_mark(reader, digits):
    images, labels, sure = digits
    rng = np.random.default_rng(10)
    scribble = np.round(strokes.scribble_coverage(28, rng) * 255).astype(np.uint8)[None]  # (1, 28, 28)
    pool = np.concatenate([images, scribble])
    picks = np.concatenate([picks_for("4", sure, rng), [len(images)], picks_for("7", sure, rng)])
    number = number_photo(pool, np.append(labels, 0), rng, "clean", 3, picks=picks, slant=0.0, degrees=0.0)
    reading = reader.read(number.image)
    assert reading.text == "4?7"
    assert reading.digits[1].unsure and reading.to_dict()["digits"][1]["unsure"] is True
    assert reading.digits[1].probability < UNSURE_BELOW
    assert "unsure" not in reading.to_dict()["digits"][0]
    assert reading.confidence == min(d.probability for d in reading.digits)


def test_blank_page_is_refused(reader):
    with pytest.raises(UserError, match="no digits found"):
        reader.read(Image.new("RGB", (400, 150), (235, 235, 230)))


def test_unsure_threshold_is_reads_own_and_can_be_set(digits, monkeypatch):
    import mnist_edge.reading

    images, labels, sure = digits
    rng = np.random.default_rng(11)
    number = number_photo(images, labels, rng, "clean", 3, picks=picks_for("358", sure, rng))
    default, strict = DigitReader(), DigitReader(min_confidence=1.0)
    assert default.min_confidence == float(default.backend.metadata["min_confidence"])  # predict's
    default.min_confidence = 0.9  # predict's threshold, whatever it is, is not read's
    thresholds = []
    choose = mnist_edge.reading.choose
    monkeypatch.setattr(mnist_edge.reading, "choose", lambda *a: thresholds.append(a[-1]) or choose(*a))
    assert default.read(number.image).text == "358"
    assert strict.read(number.image).text == "???"
    assert thresholds == [UNSURE_BELOW, 1.0]


def test_a_line_along_the_frame_is_no_digit(reader, digits):
    """Squared paper photographed so that a grid line's piece runs along the image's edge."""
    images, labels, sure = digits
    rng = np.random.default_rng(12)
    number = number_photo(images, labels, rng, "clean", 4, picks=picks_for("7460", sure, rng))
    page = np.asarray(number.image.convert("L")).copy()  # (H, W) uint8
    top, bottom = min(b[1] for b in number.boxes), max(b[3] for b in number.boxes)
    for x in (1, page.shape[1] - 4):  # 3 px wide, at each side, about 0.6 the digits' height
        page[top + 8 : bottom - 8, x : x + 3] = 60
    assert reader.read(Image.fromarray(page)).text == "7460"


def test_uneven_light_on_a_small_photo(reader, digits):
    """A photo under 96 px high (one paper level by default) whose light falls off by 35% across."""
    images, labels, sure = digits
    rng = np.random.default_rng(13)
    number = number_photo(images, labels, rng, "clean", 5, picks=picks_for("15351", sure, rng))
    small = number.image.convert("L")
    small = small.resize((round(small.width * 90 / small.height), 90), Image.BILINEAR)
    light = np.linspace(1.0, 0.65, small.width, dtype=np.float32)[None, :]  # (1, W)
    dim = Image.fromarray((np.asarray(small, np.float32) * light).astype(np.uint8))
    assert reader.read(dim).text == "15351"


def test_faint_pencil_under_noise_grows_from_what_stands_out(reader, digits):
    """Pencil under heavy noise, a shadow and tinted paper: the 5's strokes reach the noise floor
    only in places; without growing into fainter ink (marks.GROW) this one reads "86?2"."""
    text, number = seeded_number(digits, 0, "photo", 4)
    assert text == "8652" and reader.read(number.image).text == text


def test_a_one_on_squared_paper_is_not_taken_for_the_grid(reader, digits):
    """Most of this 1's pixels lie on the grid's lines; dropped as what is left of them (any mark
    over 60% on lines was), it read "343"."""
    text, number = seeded_number(digits, 36, "squared", 4)
    assert text == "3143" and reader.read(number.image).text == text


def test_a_small_digit_in_two_short_strokes_is_one_digit(reader, digits):
    """This 5 is written lower than its neighbours and in two strokes, each too short for a digit
    and owned by none: dropped as specks, it read "766"."""
    text, number = seeded_number(digits, 358, "broken", 4)
    assert text == "7665" and reader.read(number.image).text == text


def test_three_touching_digits_need_a_cut_off_the_writings_slant(reader, digits):
    """Straight cuts along the writing's slant read this one "72"; tilted ones read it right."""
    text, number = seeded_number(digits, 22, "clean", 3, touching={0, 1}, slant=0.0, degrees=0.0)
    assert text == "736" and reader.read(number.image).text == text


@pytest.mark.parametrize("seed, length, wrong", [(253, 3, "54"), (279, 3, "05"), (368, 4, "4355")])
def test_overlapping_touching_digits_are_parted_where_they_touch(reader, digits, seed, length, wrong):
    """These neighbours overlap so far that no straight cut parts them: with straight cuts only
    they read `wrong`; a cut along the least-ink path between them (cuts.cut_paths) reads them."""
    text, number = seeded_number(digits, seed, "touching", length)
    assert reader.read(number.image).text == text != wrong


@pytest.mark.parametrize("seed, length", [(238, 3), (245, 4)])
def test_a_grid_lines_faint_remnant_beside_the_digits_is_no_digit(reader, digits, seed, length):
    """What is left of a grid line beside the digits, far fainter than the pen's strokes, was read
    as a leading "?"; a mark that faint beside the line's digits is dropped (line.FAINT_MARK)."""
    text, number = seeded_number(digits, seed, "squared", length)
    assert reader.read(number.image).text == text


@pytest.mark.parametrize("seed, length", [(35, 3), (124, 3)])
def test_a_dense_grid_covering_half_the_photo_is_not_its_noise(reader, digits, seed, length):
    """A small photo of squared paper whose grid covers about half of it: the paper's median fell
    between paper and grid, the noise seemed a third of the ink's contrast, and nothing stood out
    of the paper ("no digits found"); the ink's floor now ends above the grid (filters.crowd_top)."""
    text, number = seeded_number(digits, seed, "squared", length)
    assert reader.read(number.image).text == text


@pytest.mark.parametrize("seed, length", [(69, 3), (89, 4), (360, 3)])
def test_a_grids_remnants_along_the_frame_are_not_the_line(reader, digits, seed, length):
    """Squared paper whose grid survives along the photo's top or bottom edge: its stubs pulled
    the line through the marks' centres to the edge, or its comb joined a digit as a piece and
    made the line 2.5 digits tall, and no digit was left ("no digits found"). The line now goes
    through the marks off the frame, and a wide mark on the frame is no digit's piece."""
    text, number = seeded_number(digits, seed, "squared", length)
    assert reader.read(number.image).text == text


@pytest.mark.parametrize("condition, seed", [("squared", 0), ("lined", 22), ("photo", 24), ("photo", 36)])
def test_a_small_photo_of_a_number_is_read_at_a_pages_scale(reader, digits, condition, seed):
    """The same photos scaled down to 72 px high (a form's field cropped): analysed at that size,
    the page's background and the grid's removal worked at a crop's scale and these read "86?2",
    "71361", "3?71" and "31"; the line is now analysed scaled up (background.enlarged)."""
    text, number = seeded_number(digits, seed, condition, 4)
    image = number.image
    small = image.resize((round(image.width * 72 / image.height), 72), Image.Resampling.BILINEAR)
    reading = reader.read(small)
    assert reading.text == text
    assert all(0 <= d.box[0] < d.box[2] <= small.width and 0 <= d.box[1] < d.box[3] <= 72 for d in reading.digits)
