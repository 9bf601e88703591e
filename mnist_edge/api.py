"""The public Python API: load a checked model once, then read digits from images.

    import mnist_edge
    reader = mnist_edge.load()                  # the shipped INT8 model, checked, one session
    reader = mnist_edge.load(backend="litert")  # its .tflite twin on LiteRT (the [litert] extra)
    p = reader.predict("digit.png")             # a path, bytes, a Pillow image or a numpy array
    print(p.digit, p.probability)               # digit is None when it is not a digit (p.reason)
    for r in reader.predict_many(paths):        # batched: 32 views per session.run, 5 per image
        print(r.to_dict())                      # the JSON objects of `mnist-edge predict --json`
    n = reader.read("year.jpg")                 # a photo of one handwritten line of 1-12 digits
    print(n.text, n.confidence)                 # "2026", the lowest digit probability; "?" unsure
    print(n.to_dict())                          # the JSON object of `mnist-edge read --json`

What it is: DigitReader (a checked model + the photo preprocessing) and its results, small
dataclasses: Prediction (digit or None with a reason, probability, top-k, optionally the 28x28
the network saw) and Failure (an input that could not be read); read() gives a Reading
(mnist_edge.reading) of a photo of a number, its candidate digits (mnist_edge.image.segment,
the same steps as predict's) run through the model in one batch. `predict`, `read` and
`serve` are thin layers over it. The model runs on a backend (mnist_edge.backends:
onnxruntime or litert).
What it isn't: the preprocessing (mnist_edge.image), the checks or the runtimes
(mnist_edge.model, mnist_edge.backends), or any output formatting beyond to_dict().
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np
from PIL import Image

from mnist_edge.errors import NotADigit, UserError
from mnist_edge.image.load import image_warnings, load_image, load_image_bytes
from mnist_edge.image.preprocess import preprocess_readings
from mnist_edge.image.shape import contradicts
from mnist_edge.backends import DEFAULT_BACKEND, Backend, open_backend
from mnist_edge.calibration import logsumexp, model_thresholds, most_confident, refusal, softmax  # not model.session: LiteRT runs need no onnxruntime
from mnist_edge.views import SHIFTS, logits_over_views

if TYPE_CHECKING:  # read()'s pipeline is imported by read() alone: predict's start-up stays lean
    from mnist_edge.reading import Reading

ImageInput = Union[str, os.PathLike, bytes, bytearray, memoryview, Image.Image, np.ndarray]
REASONS = ("blank", "not_a_digit", "unsure")  # why a Prediction's digit is None


@dataclass(frozen=True)
class Guess:
    digit: int
    probability: float


@dataclass(frozen=True)
class Prediction:
    source: str  # the file, or "<bytes>", "<image>", "<array>"
    digit: int | None  # None: no single readable digit; `reason` says why
    probability: float  # of `digit` (of the most likely class when digit is None)
    top: tuple[Guess, ...]  # the k most likely digits, most likely first
    reason: str | None = None  # one of REASONS when digit is None
    pixels: np.ndarray | None = field(default=None, repr=False, compare=False)  # (28, 28) float32

    def to_dict(self) -> dict[str, Any]:
        out = {"file": self.source, "digit": self.digit, "probability": round(self.probability, 6),
               "top": [{"digit": g.digit, "probability": round(g.probability, 6)} for g in self.top]}
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Failure:
    source: str
    error: str  # the problem, without the source

    def to_dict(self) -> dict[str, str]:
        return {"file": self.source, "error": self.error}

    def line(self) -> str:
        return f"{self.source}: {self.error}"


class DigitReader:
    """A checked model on its runtime, loaded once; predict() and predict_many() use it.

    backend: "onnxruntime" (the default) or "litert"; model None = that backend's shipped
    INT8 model. min_confidence: a digit whose probability is below it is reported as None
    with reason "unsure"; None = the threshold the model was exported with (0 when it has none).
    min_logsumexp: an image whose logits' logsumexp is below it is reported as None with reason
    "not_a_digit" (calibration.refusal); None = the model's (no such check when it has none).
    A 5 whose strokes enclose two regions of paper (a $), a 4 on two legs (an H, an A), a 7 whose
    bar runs on both sides of its stem (a T), a 2 around a bowl (an a), a 0 of five stroke ends
    or more (an @ in a fine pen) are reported as None, "not_a_digit" (image.shape.contradicts),
    whatever the thresholds.
    read() shows a digit under min_confidence as "?"; None there = reading.UNSURE_BELOW (0.5).
    """

    def __init__(self, model: str | os.PathLike | None = None, threads: int = 1,
                 min_confidence: float | None = None, backend: str = DEFAULT_BACKEND,
                 min_logsumexp: float | None = None):
        self.backend: Backend = open_backend(backend, model, threads=threads)
        self.read_min_confidence = min_confidence  # None: read's own (reading.UNSURE_BELOW)
        own_confidence, own_logsumexp = model_thresholds(self.backend.metadata, str(self.path))
        min_confidence = own_confidence if min_confidence is None else min_confidence
        if not 0.0 <= min_confidence <= 1.0:
            raise UserError(f"min_confidence {min_confidence}: must be between 0 and 1")
        self.min_confidence = min_confidence
        min_logsumexp = own_logsumexp if min_logsumexp is None else min_logsumexp
        if min_logsumexp is not None and not math.isfinite(min_logsumexp):
            raise UserError(f"min_logsumexp {min_logsumexp}: must be a finite number")
        self.min_logsumexp = min_logsumexp

    @property
    def path(self) -> Path:
        return self.backend.path

    def predict(self, image: ImageInput, top_k: int = 1, see: bool = False) -> Prediction:
        """One image -> Prediction; UserError "SOURCE: problem" when it cannot be read."""
        (result,) = self.predict_many([image], top_k=top_k, see=see)
        if isinstance(result, Failure):
            raise UserError(result.line())
        return result

    def predict_many(self, images: Iterable[ImageInput], top_k: int = 1, see: bool = False,
                     sources: Sequence[str] | None = None) -> list[Prediction | Failure]:
        """Images -> a Prediction or a Failure each, in order; the readable ones in one batch."""
        images = list(images)
        names = list(sources) if sources is not None else [source_name(i) for i in images]
        fitted: list[np.ndarray | Prediction | Failure] = [
            self._fit(image, name) for image, name in zip(images, names)]
        arrays = [f for f in fitted if isinstance(f, np.ndarray)]  # (k, 28, 28) readings each
        logits = self._logits(np.concatenate(arrays)) if arrays else np.zeros((0, 10))  # (sum k, 10)
        with np.errstate(invalid="ignore", over="ignore"):  # NaN rows where the output is not finite
            rows = iter(zip(softmax(logits), logsumexp(logits)))  # (10,) probabilities, logsumexp
        out: list[Prediction | Failure] = []
        for item, name in zip(fitted, names):
            if isinstance(item, np.ndarray):
                probs, energy = zip(*[next(rows) for _ in item])  # k readings of this image
                best = most_confident(np.stack(probs))  # the network's choice
                item = self._result(name, probs[best], float(energy[best]), item[best], top_k, see)
            out.append(item)
        return out

    def read(self, image: ImageInput) -> Reading:
        """A photo of one handwritten line of digits -> Reading; UserError when none is found."""
        (result,) = self.read_many([image])
        if isinstance(result, Failure):
            raise UserError(result.line())
        return result

    def read_many(self, images: Iterable[ImageInput],
                  sources: Sequence[str] | None = None) -> list[Reading | Failure]:
        """Photos of numbers -> a Reading or a Failure each, in order; one session.run per photo."""
        images = list(images)
        names = list(sources) if sources is not None else [source_name(i) for i in images]
        return [self._read_one(image, name) for image, name in zip(images, names)]

    def _read_one(self, image: ImageInput, name: str) -> Reading | Failure:
        from mnist_edge.image.segment import segment
        from mnist_edge.reading import UNSURE_BELOW, choose

        try:
            with image_warnings(name):
                seg = segment(open_image(image, name), name)
        except UserError as e:
            return Failure(name, str(e).removeprefix(f"{name}: "))
        if not seg.marks:
            return Failure(name, f"no digits found (blank image: {seg.reason})")
        logits = self._logits(seg.pixels, one_run=True)  # (n, 10): all views in one run
        with np.errstate(invalid="ignore", over="ignore"):
            probs, energy = softmax(logits), logsumexp(logits)  # (n, 10), (n,)
        if not np.all(np.isfinite(probs)):
            return Failure(name, f"the model's output is not finite ({self.path})")
        given = self.read_min_confidence
        return choose(seg, probs, energy, name, UNSURE_BELOW if given is None else given)

    def _fit(self, image: ImageInput, name: str) -> np.ndarray | Prediction | Failure:
        try:
            with image_warnings(name):
                return preprocess_readings(open_image(image, name), name)  # (k, 28, 28) float32
        except NotADigit as e:
            return Prediction(name, None, 0.0, (), reason=e.reason)
        except UserError as e:
            return Failure(name, str(e).removeprefix(f"{name}: "))

    def _logits(self, pixels: np.ndarray, one_run: bool = False) -> np.ndarray:
        """(n, 28, 28) -> (n, 10), the mean over each image's shifted views (mnist_edge.views);
        one_run: all views in one run (a photo's candidates), not the backend's chunks."""
        chunk = {"chunk": len(SHIFTS) * max(1, len(pixels))} if one_run else {}
        return logits_over_views(self.backend.predict_logits, pixels, **chunk)

    def _result(self, name: str, probs: np.ndarray, energy: float, pixels: np.ndarray,
                top_k: int, see: bool) -> Prediction | Failure:
        """probs: (10,) of the chosen reading, energy: the logsumexp of its logits."""
        if not np.all(np.isfinite(probs)):
            return Failure(name, f"the model's output is not finite ({self.path})")
        order = np.argsort(-probs, kind="stable")[:top_k]  # (k,) digits, most likely first
        top = tuple(Guess(int(d), float(probs[d])) for d in order)
        best = top[0]
        reason = refusal(best.probability, energy, self.min_confidence, self.min_logsumexp)
        if reason is None and contradicts(best.digit, pixels):  # what the strokes say against it
            reason = "not_a_digit"
        return Prediction(name, None if reason else best.digit, best.probability, top,
                          reason=reason, pixels=pixels if see else None)


def load(model: str | os.PathLike | None = None, threads: int = 1,
         min_confidence: float | None = None, backend: str = DEFAULT_BACKEND,
         min_logsumexp: float | None = None) -> DigitReader:
    """A DigitReader over `model` (default: the backend's shipped INT8 model), checked and
    loaded once, on `backend` ("onnxruntime", or "litert" with the [litert] extra)."""
    return DigitReader(model, threads=threads, min_confidence=min_confidence, backend=backend,
                       min_logsumexp=min_logsumexp)


def source_name(image: ImageInput) -> str:
    if isinstance(image, (str, os.PathLike)):
        return str(image)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return "<bytes>"
    return "<array>" if isinstance(image, np.ndarray) else "<image>"


def open_image(image: ImageInput, name: str) -> Image.Image:
    """Any ImageInput -> a decoded Pillow image; UserError naming `name` when it is no image."""
    if isinstance(image, (str, os.PathLike)):
        return load_image(image)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return load_image_bytes(bytes(image), name)
    if isinstance(image, Image.Image):
        return image
    if isinstance(image, np.ndarray):
        return _array_image(image, name)
    raise UserError(f"{name}: expected a path, bytes, a Pillow image or a numpy array, "
                    f"got {type(image).__name__}")


def _array_image(a: np.ndarray, name: str) -> Image.Image:
    """(H, W), (H, W, 1|3|4) uint8, or float in [0, 1] -> Pillow image."""
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or 0 in a.shape:
        raise UserError(f"{name}: expected an (H, W), (H, W, 3) or (H, W, 4) array, got {a.shape}")
    if a.dtype != np.uint8:
        a = np.nan_to_num(np.asarray(a, dtype=np.float32))
        a = np.round(np.clip(a if a.max() > 1.0 else a * 255.0, 0, 255)).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(a))
