"""Ink on paper under light: paper colour, ruling, the table beyond the page's edge, lighting.

What it is: functions on (H, W, 3) float32 reflectance / radiance arrays in [0, 1]; each takes
a severity 0 (off) .. 3 and an rng. Lighting multiplies (it is light, not paint).
What it isn't: stroke shapes (strokes.py) or the camera's degradations (camera.py).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

TINTS = np.array([[1.0, 0.96, 0.82], [0.86, 0.92, 1.0], [1.0, 0.88, 0.9], [0.9, 0.9, 0.9], [0.9, 1.0, 0.88]])
INKS = {  # reflectance of the ink, per channel
    "ballpoint": ([0.12, 0.16, 0.45], [0.08, 0.08, 0.1]),  # blue or black
    "felt": ([0.05, 0.05, 0.06], [0.1, 0.1, 0.35]),
    "pencil": ([0.6, 0.6, 0.62], [0.5, 0.5, 0.52]),
}


def paper(shape: tuple[int, int], rng: np.random.Generator, tint: int) -> np.ndarray:
    """(H, W, 3) paper reflectance: white-ish, or tinted / grey paper (stronger with severity)."""
    base = rng.uniform(0.82, 0.95)
    colour = np.ones(3)
    if tint:
        strength = (0.35, 0.65, 1.0)[tint - 1]
        colour = 1 - strength * (1 - TINTS[int(rng.integers(len(TINTS)))])
        base *= (1.0, 0.9, 0.75)[tint - 1] if rng.random() < 0.5 else 1.0
    fibre = 1 + 0.01 * _smooth_noise(shape, rng, 3)
    return (base * fibre[..., None] * colour).astype(np.float32)


def ruling(shape: tuple[int, int], rng: np.random.Generator, severity: int, squared: bool,
           spacing: float | None = None) -> np.ndarray:
    """(H, W) darkening in [0, 1] of notebook lines (and columns for squared paper), tilted up to 2 deg;
    spacing in px (default: a fraction of the page's shorter side)."""
    h, w = shape
    if spacing is None:
        spacing = rng.uniform(0.06, 0.11) * min(h, w) if not squared else rng.uniform(0.04, 0.07) * min(h, w)
    thickness = rng.uniform(1.0, 1.5 + severity)
    contrast = (0.15, 0.25, 0.4)[severity - 1]
    tilt = np.tan(np.radians(rng.uniform(-2, 2)))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    lines = _line_profile(ys + tilt * xs, spacing, thickness, rng)
    if squared:
        lines = np.maximum(lines, _line_profile(xs - tilt * ys, spacing, thickness, rng))
    return (contrast * lines).astype(np.float32)


def _line_profile(coord: np.ndarray, spacing: float, thickness: float, rng: np.random.Generator) -> np.ndarray:
    dist = np.abs((coord + rng.uniform(0, spacing)) % spacing - spacing / 2)  # distance to the nearest line
    return np.clip(thickness / 2 + 0.5 - dist, 0, 1)


def table_edge(img: np.ndarray, rng: np.random.Generator, severity: int) -> np.ndarray:
    """Replace a strip along one or two sides by a dark, textured table beyond a slightly tilted page edge."""
    h, w = img.shape[:2]
    out = img.copy()
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    table = rng.uniform(0.08, 0.35) * np.array([1.0, rng.uniform(0.75, 1.0), rng.uniform(0.5, 0.9)])
    texture = 1 + 0.15 * _smooth_noise((h, w), rng, 6)
    for side in rng.choice(4, size=1 + (severity == 3), replace=False):
        depth = rng.uniform(0.04, (0.1, 0.16, 0.22)[severity - 1])
        tilt = rng.uniform(-0.05, 0.05)
        coord = [ys / h, 1 - ys / h, xs / w, 1 - xs / w][side] + tilt * ([xs / w, xs / w, ys / h, ys / h][side] - 0.5)
        outside = np.clip((depth - coord) * min(h, w) / 1.5, 0, 1)[..., None]  # soft 1-2 px edge
        out = out * (1 - outside) + (table * texture[..., None]) * outside
    return out.astype(np.float32)


def lighting(shape: tuple[int, int], rng: np.random.Generator, gradient: int, vignette: int,
             shadow: int) -> np.ndarray:
    """(H, W) illumination in (0, 1]: a linear fall-off, vignetting, the soft shadow of a hand."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ys, xs = ys / (h - 1), xs / (w - 1)
    light = np.ones(shape, np.float32)
    if gradient:
        angle = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(angle) * xs + np.sin(angle) * ys
        ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
        light *= 1 - (0.25, 0.38, 0.5)[gradient - 1] * ramp
    if vignette:
        r2 = ((xs - rng.uniform(0.4, 0.6)) ** 2 + (ys - rng.uniform(0.4, 0.6)) ** 2) / 0.5
        light *= 1 - (0.25, 0.4, 0.55)[vignette - 1] * np.clip(r2, 0, 1.2)
    if shadow:
        angle, offset = rng.uniform(0, 2 * np.pi), rng.uniform(0.15, 0.45)
        coord = np.cos(angle) * (xs - 0.5) + np.sin(angle) * (ys - 0.5) + 0.5
        softness = rng.uniform(0.04, 0.12)
        inside = np.clip((offset - coord) / softness + 0.5, 0, 1)
        light *= 1 - (0.25, 0.4, 0.55)[shadow - 1] * inside
    return light


def _smooth_noise(shape: tuple[int, int], rng: np.random.Generator, radius: float) -> np.ndarray:
    """(H, W) zero-mean, unit-ish-std noise with blobs about `radius` px wide."""
    small = (max(2, int(shape[1] / radius)), max(2, int(shape[0] / radius)))  # Pillow: (width, height)
    noise = Image.fromarray(rng.standard_normal(small[::-1]).astype(np.float32))  # mode "F"
    noise = np.asarray(noise.resize(shape[::-1], Image.Resampling.BICUBIC), dtype=np.float32)
    return noise / max(float(noise.std()), 1e-6)
