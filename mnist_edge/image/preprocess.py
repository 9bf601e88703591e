"""Preprocessing as the runtime calls it: an image -> the (28, 28) array the network sees.

What it is: preprocess_readings() runs fit_digit (digit.py) and turns its verdicts into
NotADigit ("blank", "not_a_digit"), which the API reports as a Prediction without a digit;
preprocess_image() is its usual reading alone, preprocess_file() loads a file first.
What it isn't: any of the steps (the modules beside it).
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from mnist_edge.errors import NotADigit
from mnist_edge.image.digit import fit_digit
from mnist_edge.image.load import load_image


def preprocess_image(img: Image.Image, source: str = "<image>") -> np.ndarray:
    """One digit image -> (28, 28) float32 in [0, 1], white digit on black, MNIST-placed (the
    usual reading; the API also weighs the alternatives, preprocess_readings)."""
    return preprocess_readings(img, source)[0]


def preprocess_readings(img: Image.Image, source: str = "<image>") -> np.ndarray:
    """One digit image -> (k, 28, 28): the usual reading, and for a digit filling its image the
    reading with a margin added, for an outlined one the reading filled boldly (digit.fit_digit);
    the network's most confident one is taken."""
    fitted = fit_digit(img, source)
    if fitted.reason is not None:
        what = "no digit found (blank image" if fitted.reason == "blank" else "not a single digit ("
        detail = f": {fitted.detail}" if fitted.reason == "blank" and fitted.detail else fitted.detail
        raise NotADigit(f"{source}: {what}{detail})", fitted.reason)
    return np.stack([fitted.pixels, *fitted.alternatives])


def preprocess_file(path: str | os.PathLike) -> np.ndarray:
    """load_image + preprocess_image: (28, 28) float32 in [0, 1]; UserError names the path."""
    return preprocess_image(load_image(path), str(path))
