"""Calibration data: MNIST images fed to onnxruntime's quantizer and QDQ debugger.

What it is: a CalibrationDataReader over uint8 images in fixed-size batches, preprocessed
exactly as the runtime does (mnist_edge.model.session.as_model_input), rewindable for a second pass.
What it isn't: the choice of images (the pipeline picks them) or the quantization.
"""

from __future__ import annotations

import numpy as np
from onnxruntime.quantization import CalibrationDataReader

from mnist_edge.model.session import as_model_input

BATCH = 100


class MnistReader(CalibrationDataReader):
    """Yields {input_name: (<= BATCH, 1, 28, 28) float32 in [0, 1]} over (N, 28, 28) uint8 images."""

    def __init__(self, images_u8: np.ndarray, input_name: str = "image", batch: int = BATCH):
        self.pixels = as_model_input(images_u8)  # (N, 1, 28, 28)
        self.input_name = input_name
        self.batch = batch
        self.start = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.start >= len(self.pixels):
            return None
        chunk = self.pixels[self.start : self.start + self.batch]
        self.start += self.batch
        return {self.input_name: chunk}

    def rewind(self) -> None:
        self.start = 0

    def __len__(self) -> int:
        return -(-len(self.pixels) // self.batch)  # number of batches
