"""Predictions on a bounded pool: at most `workers` inference calls at once, a bounded queue.

What it is: Pool.run() runs one request's images through reader.predict_many on a worker
thread (onnxruntime and Pillow release the GIL, so workers use several cores with one
session); a request arriving when the queue is full gets 503 at once instead of piling up.
predict_images() is what runs on the thread: the pixel-count check from each image's header,
one batched predict_many, and the optional 28x28 PNG of what the network saw; read_images()
the same for photos of numbers, through read_many.
What it isn't: HTTP (mnist_edge.serve.app) or the model (mnist_edge's API).
"""

from __future__ import annotations

import base64
import io

import anyio
import anyio.to_thread
import numpy as np
from PIL import Image, UnidentifiedImageError

from mnist_edge.serve.limits import ApiError, Limits
from mnist_edge.serve.metrics import Metrics


class Pool:
    def __init__(self, limits: Limits, metrics: Metrics):
        self.limits, self.metrics = limits, metrics
        self.limiter = anyio.CapacityLimiter(limits.workers)

    async def run(self, function, *args):
        """function(*args) on a worker thread once one is free; 503 when the queue is full."""
        if self.limiter.available_tokens == 0 and self.metrics.queued >= self.limits.queue:
            raise ApiError(503, f"busy: {self.metrics.queued} requests already waiting, try again",
                           {"Retry-After": "1"})
        self.metrics.queued += 1
        try:
            with anyio.fail_after(self.limits.request_seconds):
                await self.limiter.acquire()
        except TimeoutError:
            raise ApiError(503, f"busy: no worker free within {self.limits.request_seconds:g} s, try again",
                           {"Retry-After": "1"}) from None
        finally:
            self.metrics.queued -= 1
        self.metrics.in_flight += 1
        try:  # not abandoned on cancel: the pool's bound holds even when a client goes away
            return await anyio.to_thread.run_sync(function, *args)
        finally:
            self.metrics.in_flight -= 1
            self.limiter.release()


def predict_images(reader, images: list[bytes], sources: list[str], top_k: int, see: bool,
                   max_pixels: int) -> list[dict]:
    """Images (bytes) -> one predict --json object per image, plus "seen_png" when see."""
    for image, source in zip(images, sources):
        _check_pixels(image, source, max_pixels)
    results = reader.predict_many(images, top_k=top_k, see=see, sources=sources)
    objects = []
    for result in results:
        obj = result.to_dict()
        if see and getattr(result, "pixels", None) is not None:
            obj["seen_png"] = seen_png(result.pixels)
        objects.append(obj)
    return objects


def read_images(reader, images: list[bytes], sources: list[str], max_pixels: int) -> list[dict]:
    """Photos of numbers (bytes) -> one read --json object per photo (one session.run each)."""
    for image, source in zip(images, sources):
        _check_pixels(image, source, max_pixels)
    return [result.to_dict() for result in reader.read_many(images, sources=sources)]


def _check_pixels(image: bytes, source: str, max_pixels: int) -> None:
    """ApiError 413 for an image whose header declares too many pixels; nothing is decoded."""
    try:
        with Image.open(io.BytesIO(image)) as img:
            width, height = img.size
    except Image.DecompressionBombError:
        raise ApiError(413, f"{source}: image too large, refused as a possible decompression bomb") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return  # not readable: predict_many reports it for this image
    if width * height > max_pixels:
        raise ApiError(413, f"{source}: {width} x {height} = {width * height:,} pixels, "
                            f"the limit is {max_pixels:,}")


def seen_png(pixels: np.ndarray) -> str:
    """(28, 28) float32 in [0, 1] -> a data: URL of the greyscale PNG (white digit on black)."""
    grey = np.clip(np.rint(np.asarray(pixels, np.float32) * 255), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="PNG")  # (28, 28) uint8: mode "L"
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
