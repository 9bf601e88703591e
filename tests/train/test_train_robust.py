"""Issue 10, training side: the validation split, imaging augmentation, synthetic negatives.

Real MNIST digits where a test needs digits; tensors drawn from explicit generators.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch (the [train] extra)")

from mnist_edge.data.mnist import load_split  # noqa: E402
from mnist_edge.train import imaging as im  # noqa: E402
from mnist_edge.train.config import TrainConfig  # noqa: E402
from mnist_edge.train.glyphs import glyphs  # noqa: E402
from mnist_edge.train.negatives import KINDS, negatives, pair, touching_pair  # noqa: E402
from mnist_edge.train.pieces import cut_piece, cut_pieces  # noqa: E402
from mnist_edge.train.trainer import load_tensors, split_ranges, uniform_loss  # noqa: E402

pytestmark = pytest.mark.torch


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def digits(mnist_dir) -> torch.Tensor:
    """The first 256 MNIST training digits, (256, 1, 28, 28) float32 in [0, 1]."""
    images = load_split("train", mnist_dir).images[:256]
    return torch.from_numpy(images.copy()).float().div(255).unsqueeze(1)


def test_validation_is_the_last_10k_training_images_and_disjoint_from_training():
    ranges = split_ranges(TrainConfig())
    assert ranges["train"] == range(0, 50_000) and ranges["validation"] == range(50_000, 60_000)
    assert ranges["test"] == range(0, 10_000)
    limited = split_ranges(TrainConfig(limit=1500))
    assert limited["train"] == range(0, 1500) and limited["validation"] == range(50_000, 51_500)
    assert set(limited["train"]).isdisjoint(limited["validation"])
    assert split_ranges(TrainConfig(validation=0))["train"] == range(0, 60_000)


@pytest.mark.mnist
def test_loaded_validation_tensors_are_the_files_last_images(mnist_dir):
    cfg = TrainConfig(limit=300, data_dir=str(mnist_dir))
    train_x, train_y, val_x, val_y, test_x, _ = load_tensors(cfg, torch.device("cpu"))
    raw = load_split("train", mnist_dir)
    assert np.array_equal(val_x[:, 0].numpy(), raw.images[50_000:50_300])
    assert np.array_equal(val_y.numpy(), raw.labels[50_000:50_300])
    assert np.array_equal(train_x[:, 0].numpy(), raw.images[:300])
    assert len(test_x) == 300


@pytest.mark.mnist
def test_imaging_keeps_shape_and_range_and_is_fixed_by_the_seed(digits):
    params = im.ImagingParams(p_stroke=0.5, p_contrast=0.5, p_blur=0.5, p_noise=0.5,
                              p_line=0.5, p_erase=0.5)
    a, b = im.imaging(digits, params, gen(3)), im.imaging(digits, params, gen(3))
    c = im.imaging(digits, params, gen(4))
    assert a.shape == digits.shape and a.dtype == torch.float32
    assert 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(im.imaging(digits, im.ImagingParams(), gen(3)), digits)  # all off: identity


@pytest.mark.mnist
def test_stroke_width_thickens_and_thins(digits):
    out = im.stroke_width(digits, 1.0, 1.0, gen(0))
    ink_before, ink_after = digits.sum((1, 2, 3)), out.sum((1, 2, 3))
    thicker, thinner = (ink_after > ink_before * 1.2).sum(), (ink_after < ink_before * 0.8).sum()
    assert thicker > 40 and thinner > 40  # both directions drawn, each by a real margin
    full = torch.nn.functional.max_pool2d(digits, 3, 1, 1)  # a full dilation: every image gains ink
    assert (full.sum((1, 2, 3)) > 1.5 * ink_before).all()


@pytest.mark.mnist
def test_contrast_blur_noise_line_do_what_they_say(digits):
    low = im.contrast(digits, 1.0, 0.4, 0.3, gen(0))
    assert (low.amax((1, 2, 3)) <= 1.0).all() and (low.amin((1, 2, 3)) > 0).float().mean() > 0.8
    assert (low.amax((1, 2, 3)) - low.amin((1, 2, 3)) < 0.999).all()  # the range shrank
    blurred = im.gaussian_blur(digits, 1.0, 1.5, gen(0))
    assert (blurred.amax((1, 2, 3)) <= digits.amax((1, 2, 3)) + 1e-6).all()
    assert blurred.amax((1, 2, 3)).mean() < digits.amax((1, 2, 3)).mean() - 0.05  # peaks spread
    assert torch.allclose(blurred.sum((1, 2, 3)), digits.sum((1, 2, 3)), rtol=0.02)  # ink kept
    noisy = im.gaussian_noise(digits, 1.0, 0.2, gen(0))
    assert (noisy - digits).abs().mean() > 0.01
    lined = im.ruled_line(digits, 1.0, gen(0))
    assert (lined >= digits).all() and ((lined - digits).sum((1, 2, 3)) > 2).all()


@pytest.mark.mnist
def test_negatives_every_kind_drawn_in_range_and_seeded(digits):
    a, b = negatives(180, digits, gen(1)), negatives(180, digits, gen(1))
    assert a.shape == (180, 1, 28, 28) and torch.equal(a, b)
    assert 0 <= a.min() and a.max() <= 1
    two = pair(digits[:8], gen(0))  # (4, 28, 28): ink in both halves of each
    assert (two[:, :, :14].sum((1, 2)) > 5).all() and (two[:, :, 14:].sum((1, 2)) > 5).all()
    framed = touching_pair(digits[:8], gen(0))  # the same, framed 20 px wide as one mark
    assert (framed[:, :, :14].sum((1, 2)) > 5).all() and (framed[:, :, 14:].sum((1, 2)) > 5).all()
    cols = (framed > 0.05).any(1)  # (4, 28)
    assert (cols.sum(1) >= 18).all() and (cols.sum(1) <= 21).all()
    assert not torch.equal(negatives(180, digits, gen(1), touching=True), a)
    assert len(KINDS) == 10


def test_glyphs_are_hand_drawn_letters_in_the_digit_box():
    x = glyphs(500, gen(3))  # (500, 28, 28)
    assert torch.equal(x, glyphs(500, gen(3))) and 0 <= x.min() and x.max() <= 1
    rows, cols = (x > 0.5).any(2).sum(1), (x > 0.5).any(1).sum(1)
    assert (torch.maximum(rows, cols) >= 12).all() and (torch.maximum(rows, cols) <= 27).all()
    assert torch.maximum(rows, cols).float().median() <= 22  # framed about as a digit: 20 px
    edge = (x[:, :, 0] + x[:, :, -1] + x[:, 0] + x[:, -1]).amax(1) > 0.5
    assert edge.float().mean() < 0.02  # slanted and rotated, a wide letter may graze the edge
    digits = torch.rand(400, 1, 28, 28)
    only = negatives(200, digits, gen(4), glyph_share=1.0)  # all strokes on black: no blank, noise
    assert (only.amin((1, 2, 3)) == 0).all() and (only.amax((1, 2, 3)) > 0.5).all()
    none = negatives(200, digits, gen(4), glyph_share=0.0)
    assert (none.amax((1, 2, 3)) < 0.5).any()  # blank pages among the other kinds


def test_cut_pieces_keep_the_digit_with_a_sliver_of_its_neighbours(digits):
    x = digits[:64]
    out = cut_pieces(x, 0.5, gen(2))
    assert out.shape == x.shape and torch.equal(out, cut_pieces(x, 0.5, gen(2)))
    assert 0 <= out.min() and out.max() <= 1
    changed = (out != x).flatten(1).any(1)
    assert 16 <= changed.sum() <= 48  # about half of them
    rng = np.random.default_rng(0)
    one = x[1, 0].numpy()  # a 0: its piece cut from a 1 on each side holds most of its ink
    for _ in range(20):
        piece = cut_piece(one, x[3, 0].numpy(), x[3, 0].numpy(), rng)  # (28, 28)
        assert piece.shape == (28, 28) and piece.max() == pytest.approx(1.0)
        rows, cols = np.flatnonzero((piece > 0.05).any(1)), np.flatnonzero((piece > 0.05).any(0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21)  # fitted as one mark
        assert abs(piece.sum() - one.sum()) < 0.35 * one.sum()


def test_uniform_loss_is_smallest_for_equal_logits():
    assert uniform_loss(torch.zeros(4, 10)).item() == pytest.approx(np.log(10))
    peaked = torch.zeros(4, 10)
    peaked[:, 3] = 5
    assert uniform_loss(peaked).item() > np.log(10) + 1
