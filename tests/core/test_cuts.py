"""mnist_edge.image.cuts' least-ink paths: the dynamic programme against an exhaustive search of
every path on small random grids, and two digits' strokes that overlap in every column (no
straight cut parts them) parted along the gap between them, or where they touch."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from mnist_edge.image import cuts
from mnist_edge.image.segment import _between

H, W = 50, 48


def interlocked() -> tuple[np.ndarray, np.ndarray]:
    """(H, W) bool left and right strokes: each digit's arm reaches under or over the other's, so
    every column between them holds ink of one or both; an ink-free gap winds between them."""
    left, right = np.zeros((H, W), bool), np.zeros((H, W), bool)
    left[:, 2:6] = True
    left[38:44, 2:27] = True  # an arm under the right digit
    right[:, 43:47] = True
    right[6:12, 20:47] = True  # an arm over the left digit
    return left, right


def columns() -> np.ndarray:
    return np.broadcast_to(np.arange(W), (H, W))  # (H, W) xs: no slant


def brute_force(grid: np.ndarray, start: int, reach: int) -> float:
    """The cheapest top-to-bottom path's cost, trying every path of steps -1, 0, +1."""
    h, w = grid.shape
    best = np.inf
    for first in range(max(0, start - reach), min(w, start + reach + 1)):
        for steps in product((-1, 0, 1), repeat=h - 1):
            xs = first + np.concatenate([[0], np.cumsum(steps)])
            if np.any(np.abs(xs - start) > reach):
                continue
            if np.any((xs < 0) | (xs >= w)):
                continue
            ink = grid[np.arange(h), xs].sum()
            cost = (cuts.INK_COST * ink + cuts.STEP_COST * np.abs(steps).sum()
                    + cuts.STRAY_COST * np.abs(xs - start).sum())
            best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_paths_cost_what_an_exhaustive_search_finds(seed):
    rng = np.random.default_rng(seed)
    core = rng.random((6, 9)) < 0.45
    xs = np.broadcast_to(np.arange(9), core.shape)
    height = 8.0  # reach max(2, int(0.25 * 8)) = 2
    starts = np.arange(9)
    paths, cost = cuts.cut_paths(core, xs, starts, height, (0, 9))
    for start, c in zip(starts, cost):
        assert c == pytest.approx(brute_force(core.astype(float), int(start), 2), abs=1e-5)
        path = paths[int(start)]
        assert np.all(np.abs(np.diff(path)) <= 1) and np.all(np.abs(path - start) <= 2)


def test_a_path_parts_strokes_that_no_straight_cut_parts():
    left, right = interlocked()
    core = left | right
    assert all(core[:, x].any() for x in range(6, 43))  # every straight cut between them slices ink
    paths, cost = cuts.cut_paths(core, columns(), np.array([23]), float(H), (6, 43))
    path = paths[23]
    assert not core[np.arange(H), path].any()  # the path crosses no ink
    assert np.array_equal(_between(core, columns(), [0, path]), left)
    assert np.array_equal(_between(core, columns(), [path, W]), right)


def test_a_path_crosses_where_the_strokes_touch():
    left, right = interlocked()
    core = left | right
    core[25, 10:40] = True  # the two digits touch here, across the gap
    paths, _ = cuts.cut_paths(core, columns(), np.array([23]), float(H), (6, 43))
    crossed = core[np.arange(H), paths[23]]
    assert crossed.sum() == 1 and crossed[25]
