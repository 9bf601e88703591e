"""mnist_edge.image.components against plain references: run-length labelling against a
breadth-first flood fill (8-connectivity), `among` against np.isin, ruling lines on a drawn page;
and mnist_edge.image.crossing's lines across a small crop, drawn by Pillow at every angle."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_edge.image.components import among, label, ruling_lines
from mnist_edge.image.crossing import crossing_lines


def flood_fill(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> (H, W) int: 8-connected component ids (-1 off the mask), in scan order."""
    ids = np.full(mask.shape, -1)
    count = 0
    for y, x in zip(*np.nonzero(mask)):
        if ids[y, x] >= 0:
            continue
        ids[y, x] = count
        todo = deque([(y, x)])
        while todo:
            cy, cx = todo.popleft()
            for ny in range(max(cy - 1, 0), min(cy + 2, mask.shape[0])):
                for nx in range(max(cx - 1, 0), min(cx + 2, mask.shape[1])):
                    if mask[ny, nx] and ids[ny, nx] < 0:
                        ids[ny, nx] = count
                        todo.append((ny, nx))
        count += 1
    return ids


@pytest.mark.parametrize("seed", range(6))
def test_label_finds_the_flood_fills_components(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 60, 2))
    mask = rng.random(shape) < rng.uniform(0.05, 0.6)  # sparse specks to one big tangle
    weights = rng.random(shape).astype(np.float32)
    c = label(mask, weights)
    want = flood_fill(mask)
    assert c.count == want.max() + 1
    got = np.full(shape, -1)
    for row, start, end, lab in zip(c.row, c.start, c.end, c.label):
        got[row, start:end] = lab
    assert np.array_equal(got, want)  # both number components in scan order of their first pixel
    for k in range(c.count):
        ys, xs = np.nonzero(want == k)
        assert (c.top[k], c.bottom[k], c.left[k], c.right[k]) == (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
        assert c.area[k] == ys.size
        assert c.mass[k] == pytest.approx(weights[ys, xs].sum(), rel=1e-5)
    assert np.array_equal(c.mask_of(np.arange(0, c.count, 2), shape), (want >= 0) & (want % 2 == 0))


def test_among_is_np_isin_with_minus_one_for_none():
    rng = np.random.default_rng(0)
    values = rng.integers(-1, 30, (40, 50))
    for chosen in ([], [0], [3, 7, 29], list(range(30))):
        assert np.array_equal(among(values, chosen, 30), np.isin(values, chosen))


def test_ruling_lines_are_found_and_a_lone_stroke_is_not():
    page = np.zeros((150, 200), bool)
    page[40:42, :] = page[90:92, 5:195] = True  # two ruled lines
    page[30:120, 100:104] = True  # a 1 across both
    lines = ruling_lines(page)
    assert lines[40:42, :100].all() and lines[90:92, 110:195].all()
    assert not lines[60:80, 100:104].any()  # the 1 between the lines stays
    lone = np.zeros((150, 200), bool)
    lone[70:73, 40:160] = True  # one long bar (a 7's, say) across 60% of the page: not ruling
    assert not ruling_lines(lone).any()


@pytest.mark.parametrize("end", [5, 14, 20, 27])  # 5 and 27 were missed before, 14 and 20 were not
def test_a_one_pixel_line_across_a_crop_is_found_from_flat_to_diagonal(end):
    """Pillow's 1 px line has one pixel per column (or row): at 45 degrees 28 pixels over a 40 px
    chord, which the Euclidean chord's 80% used to refuse. (Still missed: a line whose pixels
    straddle two offsets at its best angle, as ends 0 and 10 do; counting two offsets at once
    found those but took digits' strokes beside the lines, lines28 150 -> 139 of 180.)"""
    img = Image.new("L", (28, 28))
    ImageDraw.Draw(img).line((0, 27 - end, 28, end), fill=255, width=1)  # left edge to right edge
    line = np.asarray(img, dtype=np.float32) / 255
    assert crossing_lines(line, 0.3)[line > 0].mean() > 0.9
    stroke = np.zeros((28, 28), np.float32)
    stroke[5:23, 10:12] = 1.0  # a 1, with MNIST's margin: no edge-to-edge line
    assert not crossing_lines(stroke, 0.3).any()
