"""Golden test vectors in the ONNX Model Zoo layout: test_data_set_K/{input_0,output_0}.pb.

What it is: K sets, set k holding MNIST test image k as an input TensorProto named "image"
(1, 1, 28, 28) float32 in [0, 1] and torch's FP32 logits for it as "logits" (1, 10): the
reference any runtime of mnist_cnn.onnx must reproduce (within float tolerance).
What it isn't: a reader or checker of the vectors (the tests, later the runtime's checks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from onnx import numpy_helper

from mnist_edge.export.to_onnx import INPUT_NAME, OUTPUT_NAME
from mnist_edge.model.session import as_model_input


def golden_names(sets: int) -> list[str]:
    """Relative paths of the files `sets` golden sets consist of."""
    return [f"test_data_set_{k}/{name}" for k in range(sets)
            for name in ("input_0.pb", "output_0.pb")]


@torch.no_grad()
def write_golden(model: torch.nn.Module, test_images_u8: np.ndarray, folder: Path, sets: int) -> list[str]:
    """Write `sets` sets of (test image k, torch's logits) under `folder`; returns their paths."""
    for k in range(sets):
        pixels = as_model_input(test_images_u8[k : k + 1])  # (1, 1, 28, 28) float32 in [0, 1]
        logits = model.eval()(torch.from_numpy(pixels)).numpy()  # (1, 10) float32
        target = folder / f"test_data_set_{k}"
        target.mkdir(parents=True, exist_ok=True)
        for name, array, tensor_name in (("input_0.pb", pixels, INPUT_NAME),
                                         ("output_0.pb", logits, OUTPUT_NAME)):
            tensor = numpy_helper.from_array(array, tensor_name)
            (target / name).write_bytes(tensor.SerializeToString())
    return golden_names(sets)
