"""Photos of one shape (an MNIST digit or a non-digit) under named conditions and severities.

What it is: CONDITIONS (name -> what it simulates), render(shape, rng, {condition: severity})
-> the PIL image a user would hand to `predict`, and photo(), which adds 1-2 mild everyday
conditions to the one under test, as a real photo has several at once. Deterministic for an rng.
What it isn't: a model of handwriting (the shapes are MNIST's own), or anything torch.

    shape(size, width) -> (size, size) coverage in [0, 1]; width 1 = the normal pen
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image

from mnist_edge.synth import camera, page, strokes

Shape = Callable[[int, float], np.ndarray]
SEVERITIES = (1, 2, 3)
CONDITIONS = {
    "clean": "dark pen on white paper, even light",
    "gradient": "light falling 25/38/50% across the page",
    "vignette": "corners 25/40/55% darker",
    "shadow": "soft shadow of a hand or phone, 25/40/55% darker",
    "tinted": "coloured or grey paper",
    "pencil": "light grey grainy pencil",
    "ballpoint": "thin blue or black ballpoint",
    "felt": "thick felt pen",
    "low_contrast": "haze / glare: contrast kept 50/32/20%",
    "defocus": "out of focus",
    "motion": "camera shake",
    "noise": "sensor noise sigma 0.03/0.06/0.10",
    "dust": "salt-and-pepper pixels and specks",
    "jpeg": "JPEG quality 50/25/12",
    "ruled": "ruled notebook paper",
    "squared": "squared (graph) paper",
    "table": "page edge with the dark table showing",
    "stray": "stray marks beside the digit",
    "thin": "very thin strokes",
    "thick": "very thick strokes",
    "outline": "hollow (outlined) digit",
    "rgba": "RGBA, transparent background",
    "palette": "palette PNG, transparent background index",
    "low_res": "a small photo: shorter side 80-95/65-80/50-65 px",
}
MILD = ("gradient", "vignette", "shadow", "tinted", "noise", "jpeg", "defocus", "low_contrast")
EXCLUSIVE = {"rgba", "palette"}  # file-format conditions: nothing else (no page, no camera)


def photo(shape: Shape, rng: np.random.Generator, condition: str, severity: int,
          extras: int | None = None) -> Image.Image:
    """One photo: `condition` at `severity`, plus 1-2 of the MILD conditions at severity 1."""
    conditions = {condition: severity}
    if condition not in EXCLUSIVE and condition != "clean":
        n = int(rng.integers(1, 3)) if extras is None else extras
        for extra in rng.choice([c for c in MILD if c != condition], size=n, replace=False):
            conditions[str(extra)] = 1
    return render(shape, rng, conditions)


def render(shape: Shape, rng: np.random.Generator, conditions: dict[str, int]) -> Image.Image:
    """The shape as a photo under `conditions` (name -> severity 1..3; absent = off)."""
    c = {name: conditions.get(name, 0) for name in CONDITIONS}
    height = int(rng.integers(300, 561))
    shape_hw = (height, int(height * rng.uniform(0.75, 1.4)))
    cov, box = _placed(shape, rng, c, shape_hw)  # (H, W), (top, bottom, left, right)
    return on_paper(cov, box, rng, c)


def on_paper(cov: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator,
             c: dict[str, int], spacing: float | None = None) -> Image.Image:
    """(H, W) ink coverage (its marks inside box: top, bottom, left, right) as a photo under the
    conditions c (every name of CONDITIONS -> severity, 0 = off); spacing: of ruling, in px."""
    ink_name = "pencil" if c["pencil"] else "felt" if c["felt"] else "ballpoint"
    ink = np.array(page.INKS[ink_name][int(rng.integers(2))], np.float32)
    if c["pencil"]:
        cov = cov * np.clip(1 - (0.25 + 0.12 * c["pencil"]) * np.abs(rng.standard_normal(cov.shape)), 0, 1)
        ink = ink + (0.0, 0.05, 0.1)[c["pencil"] - 1]
    if c["stray"]:
        marks = strokes.stray_marks(cov.shape, box, (1, 2, 4)[c["stray"] - 1], max(2, (box[1] - box[0]) // 25), rng)
        cov = np.maximum(cov, marks)
    if c["rgba"]:
        return camera.transparent_rgba(cov, ink, c["rgba"])
    paper = page.paper(cov.shape, rng, c["tinted"])
    if c["palette"]:
        return camera.transparent_palette(1 - cov[..., None] * (1 - ink), c["palette"])
    if c["ruled"] or c["squared"]:
        lines = page.ruling(cov.shape, rng, c["ruled"] or c["squared"], squared=bool(c["squared"]),
                            spacing=spacing)
        paper = paper * (1 - lines[..., None] * np.array([0.9, 0.6, 0.2]))  # blue-grey lines
    rgb = paper * (1 - cov[..., None] * (1 - ink))  # (H, W, 3) reflectance
    if c["table"]:
        rgb = page.table_edge(rgb, rng, c["table"])
    light = page.lighting(cov.shape, rng, c["gradient"], c["vignette"], c["shadow"])
    rgb = rgb * light[..., None] * rng.uniform(0.92, 1.05)
    image = _camera(rgb, rng, c, box[1] - box[0])
    return camera.low_res(image, rng, c["low_res"]) if c["low_res"] else image


def _placed(shape: Shape, rng: np.random.Generator, c: dict[str, int], hw: tuple[int, int]):
    """The shape's coverage at a random size, rotation and place on an (H, W) canvas."""
    size = int(min(hw) * rng.uniform(0.35, 0.7))
    width = rng.uniform(0.85, 1.25)
    if c["thin"]:
        width = (0.6, 0.45, 0.35)[c["thin"] - 1]
    elif c["thick"] or c["felt"]:
        width = (1.8, 2.2, 2.6)[(c["thick"] or c["felt"]) - 1]
    elif c["pencil"] or c["ballpoint"]:
        width = rng.uniform(0.6, 0.9)
    cov = shape(size, width)
    if c["outline"]:
        cov = strokes.outline(cov, rng)
    cov = strokes.rotate(cov, rng.uniform(-10, 10))
    canvas = np.zeros(hw, np.float32)
    top, left = int(rng.integers(0, hw[0] - size + 1)), int(rng.integers(0, hw[1] - size + 1))
    canvas[top : top + size, left : left + size] = cov
    return canvas, (top, top + size, left, left + size)


def _camera(rgb: np.ndarray, rng: np.random.Generator, c: dict[str, int], digit_px: int) -> Image.Image:
    if c["low_contrast"]:
        rgb = camera.haze(rgb, rng, c["low_contrast"])
    if c["defocus"]:
        rgb = camera.defocus(rgb, digit_px * (0.012, 0.022, 0.035)[c["defocus"] - 1])
    if c["motion"]:
        rgb = camera.motion(rgb, digit_px * (0.04, 0.07, 0.1)[c["motion"] - 1], rng)
    sigma = (0.03, 0.06, 0.1)[c["noise"] - 1] if c["noise"] else 0.008
    rgb = camera.sensor_noise(rgb, rng, sigma)
    if c["dust"]:
        rgb = camera.dust(rgb, rng, c["dust"])
    if c["jpeg"]:
        return camera.to_image(camera.jpeg(rgb, (50, 25, 12)[c["jpeg"] - 1]))
    return camera.to_image(rgb)
