"""mnist_edge.image.filters against numpy's own slow equivalents (np.pad, sliding windows,
np.median, np.quantile), on random images of awkward shapes (odd, not a multiple of the block,
thinner than the window)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from mnist_edge.image import filters

SHAPES = [(1, 1), (2, 7), (28, 28), (31, 150), (150, 150), (97, 61)]


def windows(a: np.ndarray, k: int) -> np.ndarray:
    """(H, W) -> (H, W, k, k): every pixel's k x k neighbourhood, edges replicated (np.pad)."""
    return sliding_window_view(np.pad(a, k // 2, mode="edge"), (k, k))


@pytest.mark.parametrize("shape", SHAPES)
def test_pad_edge_matches_numpy_pad(shape):
    a = np.random.default_rng(0).random(shape, np.float32)
    got = filters.pad_edge(a, 2, 3, 0, 4)
    assert np.array_equal(got, np.pad(a, ((2, 3), (0, 4)), mode="edge"))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [3, 5, 9, 11, 19, 31])
def test_box_blur_is_the_window_mean(shape, k):
    a = np.random.default_rng(k).random(shape, np.float32)
    got = filters.box_blur(a, k)
    assert got.dtype == np.float32 and got.shape == a.shape
    np.testing.assert_allclose(got, windows(a.astype(np.float64), k).mean(axis=(2, 3)), atol=1e-6)
    h, w = shape
    for box in [(0, h, 0, w), (h // 3, h - h // 4, w // 5, max(w // 5 + 1, w - 2))]:
        part = filters.box_blur(a, k, box)  # the very values of the whole's, at the box's pixels
        assert np.array_equal(part, got[box[0] : box[1], box[2] : box[3]])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [3, 5, 7])
def test_max_filter_and_dilate_are_the_window_max_and_any(shape, k):
    rng = np.random.default_rng(k)
    a = rng.random(shape, np.float32)
    assert np.array_equal(filters.max_filter(a, k), windows(a, k).max(axis=(2, 3)))
    mask = rng.random(shape) < 0.05
    assert np.array_equal(filters.dilate(mask, k), windows(mask, k).any(axis=(2, 3)))


@pytest.mark.parametrize("shape", SHAPES)
def test_median3_is_the_window_median(shape):
    a = np.random.default_rng(1).random(shape, np.float32)
    a[::3] = 0.5  # ties
    assert np.array_equal(filters.median3(a), np.median(windows(a, 3), axis=(2, 3)))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell, q", [(3, 0.5), (4, 0.5), (25, 0.5), (3, 1.0), (25, 1.0), (5, 0.25)])
def test_block_quantile_is_each_blocks_nearest_rank_quantile(shape, cell, q):
    a = np.random.default_rng(cell).random(shape, np.float32)
    gh, gw = -(-shape[0] // cell), -(-shape[1] // cell)
    padded = np.pad(a, ((0, gh * cell - shape[0]), (0, gw * cell - shape[1])), mode="edge")
    blocks = padded.reshape(gh, cell, gw, cell).transpose(0, 2, 1, 3).reshape(gh, gw, -1)
    want = np.sort(blocks, axis=2)[..., int(q * (cell * cell - 1))]
    assert np.array_equal(filters.block_quantile(a, cell, q), want)
    if q == 1.0:
        assert np.array_equal(filters.block_max(a, cell), want)


def test_upsample_puts_block_values_at_block_centres_and_interpolates_between():
    grid = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)
    up = filters.upsample(grid, (8, 8), 4)  # block centres at pixel 1.5 and 5.5
    assert up.shape == (8, 8)
    assert up[0, 0] == 0.0 and up[7, 7] == 3.0  # flat beyond the outer centres
    np.testing.assert_allclose(up[1, 3:5], [0.375, 0.625])  # between the centres, linear
    np.testing.assert_allclose(up[3:5, 1], [0.75, 1.25])


def test_quantile_and_robust_std():
    rng = np.random.default_rng(2)
    a = rng.normal(0, 0.1, 100_001)
    for q in (0.0, 0.25, 0.5, 0.9, 1.0):
        assert filters.quantile(a, q) == np.quantile(a, q, method="nearest")
    a[:20_000] = 5.0  # a minority of ink does not move the noise's estimate much
    assert 0.09 < filters.robust_std(a) < 0.15


@pytest.mark.parametrize("kind", ["image", "ties", "strided", "sorted"])
def test_quantile_bracketed_by_a_sample_is_still_the_exact_nearest_rank(kind):
    rng = np.random.default_rng(3)
    a = rng.normal(0, 0.05, (150, 150)).astype(np.float32)
    if kind == "image":  # paper and a minority of ink
        a[40:90, 60:75] += 0.8
    elif kind == "ties":
        a = np.round(a * 20) / 20
    elif kind == "strided":  # every sampled value (one in BRACKET_STRIDE) far from the rest
        a.ravel()[:: filters.BRACKET_STRIDE] = 9.0
    else:
        a = np.sort(a.ravel())
    for q in (0.0, 0.0005, 0.25, 0.5, 0.97, 0.995, 1.0):
        k = int(round(q * (a.size - 1)))
        assert filters.quantile(a, q) == np.sort(a.ravel())[k], (kind, q)


def test_crowd_top_is_where_a_faint_grid_covering_half_the_page_ends():
    rng = np.random.default_rng(4)
    page = rng.normal(0, 0.01, (80, 120)).astype(np.float32)  # paper
    lines = (np.arange(80) % 7 < 2)[:, None] | (np.arange(120) % 7 < 2)[None, :]  # half the page
    ink = np.zeros(lines.shape, bool)
    ink[30:50, 40:44] = True
    grid = page + 0.25 * lines + 0.7 * ink
    grid -= np.median(grid)  # as ink_signal centres it: not on the paper
    std = filters.robust_std(grid)
    top = filters.crowd_top(grid, std, 5.0)
    assert float(grid.max()) < 5 * std  # a floor of 5 stds: nothing stands out of the paper
    assert top is not None and np.quantile(grid[lines & ~ink], 0.99) < top < grid[ink].min()
    page[30:50, 40:44] += 0.7  # the same ink on plain paper: no crowd
    assert filters.crowd_top(page, filters.robust_std(page), 5.0) is None
    crop = page.copy()
    crop[10:70, 20:100] += 0.8  # a digit cropped to its box covers most of it: the crowd is ink
    assert filters.crowd_top(crop, filters.robust_std(crop), 5.0) is None


def test_despeckle_takes_salt_and_pepper_out_and_leaves_strokes_whole():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 12:15] = 1.0  # a 3 px stem (a 1)
    digit[4:6, 8:14] = 1.0  # and its flag: stroke ends, corners
    specked = digit.copy()
    specked[[2, 20, 25], [3, 20, 4]] = 1.0  # salt: single pixels
    specked[[10, 11], [22, 22]] = 0.9  # salt: a pair of pixels
    specked[15, 13] = 0.0  # pepper in the stroke
    assert np.array_equal(filters.despeckle(digit, 0.4), digit)
    assert np.array_equal(filters.despeckle(specked, 0.4), digit)
