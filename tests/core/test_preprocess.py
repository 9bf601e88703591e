"""mnist_edge.image.fit on real MNIST digits: scan-like files recovered, passthrough, bad inputs.

No trained model exists at this stage, so recovery is judged against the original digit's
pixels. The yardstick is the original digit shifted by one pixel: preprocessing cannot know the
original 28 x 28 grid's sub-pixel phase, and MNIST itself places digits by whole-pixel shifts,
so "the same digit within a pixel" is the most that can be asked. Measured on the 297 digits
here (seeded): mean |recovered - original| 0.033 (per kind 0.020-0.042) against 0.066 for the
one-pixel shift; correlation median 0.978; after the best realignment by at most one pixel,
median 0.984 and at least 0.875 for every digit (thin strokes suffer most from a sub-pixel
offset). The thresholds below leave a margin over those figures for other JPEG decoders.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from mnist_edge.data.mnist import load_split
from mnist_edge.errors import NotADigit, UserError
from mnist_edge.cli.inputs import Problem, expand_inputs
from mnist_edge.image import background as bg
from mnist_edge.image.crop import tight_crop
from mnist_edge.image.fit import THICK, thinned
from mnist_edge.image.holes import mask_stroke_width
from mnist_edge.image.load import MAX_DECODED_BYTES, load_image
from mnist_edge.image.preprocess import preprocess_file, preprocess_image, preprocess_readings
from mnist_edge.image.save import save_preprocessed
from mnist_edge.synth.scanlike import KINDS, make_scan_like, save_scan_like, write_scan_like

PER_KIND = 33  # x 9 kinds = 297 digits
SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def aligned_corr(out: np.ndarray, ref: np.ndarray) -> float:
    """Best correlation over whole-pixel realignments of at most one pixel each way."""
    return max(corr(np.roll(out, shift, (0, 1)), ref) for shift in SHIFTS)


@pytest.fixture(scope="module")
def test_images(mnist_dir) -> np.ndarray:
    return load_split("test", mnist_dir).images  # (10000, 28, 28) uint8


@pytest.fixture(scope="module")
def recovered(test_images, tmp_path_factory) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """kind -> [(preprocessed (28, 28), original (28, 28) in [0, 1])], via files on disk."""
    rng = np.random.default_rng(20240601)
    picks = rng.choice(len(test_images), size=PER_KIND * len(KINDS), replace=False)
    folder = tmp_path_factory.mktemp("scans")
    results: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {kind: [] for kind in KINDS}
    for n, index in enumerate(picks):
        kind = list(KINDS)[n % len(KINDS)]
        digit = test_images[index]
        path = write_scan_like(digit, rng, kind, folder / f"{n:03d}_{kind}")
        try:
            results[kind].append((preprocess_file(path), digit / 255.0))
        except NotADigit as refused:  # counted by test_few_real_digits_are_refused
            REFUSED.append(str(refused))
    return results


REFUSED: list[str] = []


def test_few_real_digits_are_refused(recovered):
    """A real digit called "not a digit" costs a reading: at most 1% of them (issue 10's bound)."""
    assert len(REFUSED) <= 0.01 * PER_KIND * len(KINDS), REFUSED


# --- recovery of real digits from scan-like files -------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_scan_like_kind_recovers_the_digit(recovered, kind):
    pairs = recovered[kind]
    for out, _ in pairs:
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)
    aligned = [aligned_corr(out, ref) for out, ref in pairs]
    mad = [float(np.abs(out - ref).mean()) for out, ref in pairs]
    assert min(aligned) > 0.8, f"{kind}: aligned correlations {sorted(aligned)[:3]}"
    assert np.median(aligned) > 0.96
    assert np.median([corr(out, ref) for out, ref in pairs]) > 0.92
    assert np.mean(mad) < 0.055, f"{kind}: mean abs diff {np.mean(mad):.4f}"


def test_scan_like_recovery_beats_a_one_pixel_shift(recovered, test_images):
    pairs = [pair for kind in KINDS for pair in recovered[kind]]
    mad = np.mean([np.abs(out - ref).mean() for out, ref in pairs])
    shifted = np.mean([np.abs(np.roll(ref, 1, axis=1) - ref).mean() for _, ref in pairs])
    assert mad < 0.7 * shifted, f"recovered {mad:.4f} vs one-pixel shift {shifted:.4f}"
    assert np.median([corr(out, ref) for out, ref in pairs]) > 0.95


def test_large_photo_is_reduced_and_recovered(test_images, tmp_path):
    """A 2400 x 1800 JPEG (draft decoding and box reduction) still gives the digit."""
    digit = test_images[0]
    ink = np.asarray(Image.fromarray(digit).resize((900, 900), Image.Resampling.BICUBIC)) / 255.0
    page = np.full((1800, 2400), 0.9)
    page[500:1400, 1300:2200] -= 0.8 * ink
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.round(page * 255).astype(np.uint8)).save(path, quality=70)
    assert max(load_image(path).size) < 2400  # decoded at a reduced JPEG scale
    assert aligned_corr(preprocess_file(path), digit / 255.0) > 0.9


def test_exif_orientation_is_applied(test_images, tmp_path):
    img = make_scan_like(test_images[1], np.random.default_rng(1), "exif_rotated")
    path = save_scan_like(img, tmp_path / "rotated.jpg")
    stored = Image.open(path).size
    assert load_image(path).size == (stored if img.getexif()[0x0112] == 3 else stored[::-1])


# --- 28 x 28 MNIST passes through ------------------------------------------------------------


def test_mnist_digits_pass_through_unchanged(test_images):
    """Real MNIST digits are already 20 px boxed and mass-centred: no move, no resampling.

    The only change allowed is the contrast stretch (a digit whose brightest pixel is 254 gets
    stretched to 255). Over the whole test set 9,983 of 10,000 pass exactly; the rest are MNIST
    oddities (boxes of 14 or 19 px, digits touching the edge) that the recipe rescales.
    """
    exact = 0
    for digit in test_images[:300]:
        out = preprocess_image(Image.fromarray(digit))
        exact += np.allclose(out, digit / float(digit.max()), atol=1e-6)
        assert np.abs(out - digit / 255.0).mean() < 0.08
    assert exact >= 298


def _as_mode(digit: np.ndarray, mode: str) -> Image.Image:
    img = Image.fromarray(digit)
    if mode == "F":
        return Image.fromarray(digit.astype(np.float32) / 255)
    if mode == "I;16":
        return Image.fromarray(digit.astype(np.uint16) * 257)
    if mode == "inverted L":
        return Image.fromarray(255 - digit)
    if mode == "P with transparent black":
        return _transparent_black(img)
    return img.convert(mode)


def _transparent_black(img: Image.Image) -> Image.Image:
    """White digit whose black background is marked transparent: a palette PNG with tRNS."""
    palette_img = img.convert("P")  # the web palette holds black (index 0) and greys
    palette_img.info["transparency"] = 0
    return palette_img


@pytest.mark.parametrize(
    "mode", ["L", "RGB", "RGBA", "LA", "I", "I;16", "F", "inverted L", "P with transparent black"]
)
def test_modes_of_a_28x28_digit(test_images, mode):
    digit = test_images[3]
    out = preprocess_image(_as_mode(digit, mode))
    assert aligned_corr(out, digit / 255.0) > 0.97
    assert np.abs(out - digit / 255.0).mean() < 0.03


def test_bilevel_28x28_digit(test_images):
    digit = test_images[4]
    out = preprocess_image(Image.fromarray(digit).convert("1"))  # dithered
    assert corr(out, digit / 255.0) > 0.7


# --- stroke width ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [6, 7, 9])
def test_strokes_wider_than_mnists_are_thinned_in_place(width):
    """A marker's bar, 6-9 px wide in the 28 x 28 (its measured width, area over half the
    perimeter, 4.6-6.2 against MNIST's 99th percentile THICK): one erosion narrower, still centred
    where it was, still reaching 1, as long as it was."""
    bar = np.zeros((28, 28), np.float32)
    bar[4:24, 10 : 10 + width] = 1.0
    bar[4:24, 9] = bar[4:24, 10 + width] = 0.4  # antialiased edges
    out = thinned(bar)
    assert mask_stroke_width(bar > 0.5) > THICK
    assert (out[14] > 0.5).sum() == width - 2  # a full erosion: 1 px off each side
    assert out.max() == pytest.approx(1.0) and out.min() >= 0.0
    cols = np.arange(28) @ out.sum(0) / out.sum()
    assert cols == pytest.approx(10 + (width - 1) / 2, abs=0.01)  # thinned from both sides alike
    assert (out[5:23] > 0.5).any(1).all()


def test_strokes_of_usual_width_are_not_thinned():
    bar = np.zeros((28, 28), np.float32)
    bar[4:24, 12:15] = 1.0  # 3 px: wider than MNIST's median, within its writers
    assert mask_stroke_width(bar > 0.5) <= THICK
    assert thinned(bar) is bar


# --- a digit cropped to its box --------------------------------------------------------------


def _ring(size: int, width: float) -> np.ndarray:
    """(size, size) grey: a dark 0 filling the whole image (a scan cut around it), light paper."""
    yy, xx = np.mgrid[:size, :size] + 0.5
    r = np.hypot((yy - size / 2) / (size / 2), (xx - size / 2) / (size / 2 * 0.7))
    ink = np.clip((width / size * 2 - np.abs(r - 1 + width / size)) * size / 2, 0, 1)
    return (0.9 - 0.8 * ink).astype(np.float32)


def _signal(gray: np.ndarray) -> bg.InkSignal:
    return bg.ink_signal(gray)


@pytest.mark.parametrize("size", [28, 64, 160])
def test_a_digit_filling_its_image_is_a_tight_crop_and_keeps_its_shape(size):
    """Cut around the digit, the 0 touches all four edges: the page's rules took it apart (a
    stroke from edge to edge is a line across a crop, a mark along the edge is the table). With a
    margin of paper it comes out as MNIST's: a ring in a 20 px box, hollow in the middle."""
    gray = _ring(size, 0.12 * size)
    assert tight_crop(_signal(gray))
    out = preprocess_readings(Image.fromarray(np.round(gray * 255).astype(np.uint8)))[-1]  # margined
    rows = np.flatnonzero(out.max(1) > 0.25)
    assert rows[-1] - rows[0] + 1 in (19, 20, 21) and rows[0] >= 3
    assert out[12:16, 12:16].max() < 0.2 and out[rows[0] + 1, 14] > 0.5  # hollow middle, top stroke


def test_pages_with_lines_or_the_table_at_an_edge_are_no_tight_crops():
    page = np.full((150, 200), 0.85, np.float32)
    page[60:100, 90:100] = 0.2  # a 1 in the middle
    ruled = page.copy()
    ruled[30:32], ruled[120:122] = 0.5, 0.5  # ruling from edge to edge: thin, not the digit
    table = page.copy()
    table[:, :30] = 0.15  # the table beyond the page's left edge fills that side
    table[40:110, 30:60] = 0.15
    for gray in (page, ruled, table):
        assert not tight_crop(_signal(gray))


# --- bad inputs --------------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height 8-bit grey pixels (no real data)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _truncated_png(path, test_images):
    save_scan_like(make_scan_like(test_images[5], np.random.default_rng(5), "speckled"), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _noisy_blank(path, _):
    page = np.random.default_rng(0).normal(0.9, 0.03, (400, 300)).clip(0, 1)
    Image.fromarray(np.round(page * 255).astype(np.uint8)).save(path, quality=70)


BAD_INPUTS = {
    "missing.png": (None, "file not found"),
    "empty.png": (lambda p, _: p.write_bytes(b""), "empty file"),
    "truncated.png": (_truncated_png, "corrupt or truncated"),
    "notes.png": (lambda p, _: p.write_text("not a picture\n"), "not an image"),
    "folder.png": (lambda p, _: p.mkdir(), "is a directory"),
    "bomb.png": (lambda p, _: p.write_bytes(_png_header(100_000, 100_000)), "too large"),
    "over_limit.png": (lambda p, _: p.write_bytes(_png_header(9000, 8000)), "too large"),
    "white.png": (lambda p, _: Image.new("L", (300, 300), 255).save(p), "no digit found (blank image"),
    "black.png": (lambda p, _: Image.new("L", (28, 28), 0).save(p), "no digit found (blank image"),
    "noisy_paper.jpg": (_noisy_blank, "no digit found (blank image"),
    "transparent.png": (lambda p, _: Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(p), "no digit found"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_one_line_user_error_naming_the_file(name, tmp_path, test_images):
    make, problem = BAD_INPUTS[name]
    path = tmp_path / name
    if make is not None:
        make(path, test_images)
    with pytest.raises(UserError) as caught:
        preprocess_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert "\n" not in message


def test_pixel_limit_holds_even_if_pillow_limit_is_off(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    path = tmp_path / "big.png"
    path.write_bytes(_png_header(9000, 8000))
    assert 9000 * 8000 > MAX_DECODED_BYTES  # 8-bit grey: one byte a pixel
    with pytest.raises(UserError, match="too large"):
        load_image(path)


# --- saving and CLI arguments ---------------------------------------------------------------------


def test_save_preprocessed_round_trips_atomically(test_images, tmp_path):
    array = preprocess_image(Image.fromarray(test_images[6]))
    path = save_preprocessed(array, tmp_path / "out" / "six.png")
    save_preprocessed(array, path)  # overwriting is fine
    assert [p.name for p in path.parent.iterdir()] == ["six.png"]  # no temp file left
    with Image.open(path) as img:
        assert img.mode == "L" and img.size == (28, 28)
        assert np.abs(np.asarray(img) / 255.0 - array).max() <= 0.5 / 255 + 1e-6


def test_save_preprocessed_errors(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="cannot write"):
        save_preprocessed(np.zeros((28, 28)), tmp_path / "file" / "x.png")
    with pytest.raises(ValueError):
        save_preprocessed(np.zeros((20, 20)), tmp_path / "x.png")


def test_expand_inputs_folders_globs_and_missing(tmp_path):
    scans = tmp_path / "scans"
    (scans / "sub").mkdir(parents=True)
    for name in ("a.png", "b.JPG", "sub/c.png"):
        Image.new("L", (8, 8)).save(scans / name, format="PNG")
    (scans / "notes.txt").write_text("hello")
    (scans / ".DS_Store").write_bytes(b"\0")
    args = [str(scans), str(scans / "*.png"), str(tmp_path / "gone.png"), str(tmp_path / "none*.jpg")]
    items = expand_inputs(args)  # argument order; sorted within a folder, not recursive, no repeats
    assert items == [
        scans / "a.png", scans / "b.JPG", Problem(str(scans / "notes.txt"), "not an image", skipped=True),
        Problem(str(tmp_path / "gone.png"), "file not found"),
        Problem(str(tmp_path / "none*.jpg"), "no files match"),
    ]
    named = expand_inputs([str(scans / "notes.txt"), str(scans / "sub" / "*")])
    assert named == [scans / "notes.txt", scans / "sub" / "c.png"]


def test_import_stays_light():
    code = (
        "import sys, mnist_edge.image.fit, mnist_edge.image.load; "
        "print(sorted(m for m in ('torch', 'onnx', 'onnxruntime', 'scipy', 'cv2', 'typer', 'tempfile')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
