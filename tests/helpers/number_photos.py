"""Photos of numbers for the tests of `read`, made from the shipped sample digits (no MNIST files)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from helpers.clirun import ARTIFACTS

SAMPLES = {int(re.match(r"digit_(\d)_", p.name).group(1)): p
           for p in sorted((ARTIFACTS / "samples").glob("digit_*_idx*.png"))}


def number_png(path: Path, text: str, scale: int = 3) -> Path:
    """The sample digits of `text`, 28 x scale px each, dark on a light page with a margin."""
    side = 28 * scale
    page = np.full((side + 2 * side // 2, side * len(text) + side), 235, np.uint8)
    for k, c in enumerate(text):
        with Image.open(SAMPLES[int(c)]) as sample:
            digit = sample.convert("L").resize((side, side), Image.Resampling.BICUBIC)
        ink = np.asarray(digit, np.float32) / 255  # white digit on black
        region = page[side // 2 : side // 2 + side, side // 2 + k * side : side // 2 + (k + 1) * side]
        region[...] = np.minimum(region, np.round(235 - 215 * ink)).astype(np.uint8)
    Image.fromarray(page).save(path)
    return path
