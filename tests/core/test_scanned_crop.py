"""Another data set's small scan scaled up (crop.scanned_crop): its digit fills the image, its
strokes are as wide as a page's paper window and its ink covers nearly half the pixels. Synthetic
images only (no MNIST): a 0 drawn to fill a 16 x 16 grid and scaled up, and pages that are no
such crop. Validation digits as such scans, read end to end: tests/mnist/test_photos.py (scan16)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_edge.image.crop import ink_against_ground, scanned_crop


def _zero16(binary: bool) -> np.ndarray:
    """(16, 16) ink coverage: an oval ring touching all four edges, 3 px wide (a scan's 0)."""
    yy, xx = np.mgrid[:16, :16] + 0.5
    r = np.hypot((yy - 8) / 8, (xx - 8) / 6)
    ink = np.clip(1.0 - np.abs(r - 0.8) / 0.3, 0, 1)
    return (ink > 0.4).astype(np.float32) if binary else ink


def _scan(size: int, light_ink: bool, binary: bool) -> Image.Image:
    ink = _zero16(binary)
    grey = ink if light_ink else 1.0 - ink
    resample = Image.Resampling.NEAREST if binary else Image.Resampling.BICUBIC
    return Image.fromarray(np.round(grey * 255).astype(np.uint8)).resize((size, size), resample)


def test_scanned_crop_takes_the_border_as_paper_and_adds_a_margin():
    grey = np.asarray(_scan(192, True, True), np.float32) / 255
    crop = scanned_crop(grey)
    assert crop is not None and crop.shape == (96, 96)  # 192 / 3 = 64 px and a margin of 16 each side
    assert crop[0, 0] == 0.0 and crop[:16].max() == 0.0  # the margin is the border's level (dark)


def test_pages_and_flat_images_are_no_scanned_crops():
    page = np.full((150, 200), 0.85, np.float32)
    page[60:100, 90:100] = 0.2  # a 1 in the middle of a page: nothing spans the image
    flat = np.full((150, 150), 0.5, np.float32)
    assert scanned_crop(page) is None and scanned_crop(flat) is None


def test_dark_ink_on_a_dark_ground_is_a_contradiction():
    dark_ground = np.zeros((64, 64), np.float32)
    assert ink_against_ground(dark_ground, dark_ink=True)
    assert not ink_against_ground(dark_ground, dark_ink=False)
    assert not ink_against_ground(1.0 - dark_ground, dark_ink=True)
