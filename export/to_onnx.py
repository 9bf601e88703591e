"""Torch -> ONNX FP32 graph with the dynamo exporter (torch.export + onnxscript's torchlib).

What it is: one call of torch.onnx.export(dynamo=True) with a dynamic batch dimension,
graph optimisation (constant folding, dead-code removal) and the exporter's warnings about
absent optional packages silenced. It returns the ModelProto in memory.
What it isn't: naming/metadata (metadata.py), writing or checking the file (files.py).

Exported graph of the report CNN (opset 18): Sub, Div (the normalisation), Conv, Relu,
MaxPool, Conv, Relu, MaxPool, Reshape, Gemm, Relu, Gemm. Dropout is gone (eval mode).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

import onnx
import torch

from mnist_edge.contract import INPUT_NAME, OUTPUT_NAME

BATCH_DIM = "N"
# torch.export specialises a dimension it sees as 1, so trace with a batch of 2.
_EXAMPLE_BATCH = 2


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Hide 'torchvision is not installed' log lines and pytree FutureWarnings of the exporter."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.setLevel(level)


def export_fp32(model: torch.nn.Module, opset: int) -> onnx.ModelProto:
    """The eval-mode model as an optimised ONNX graph: image (N, 1, 28, 28) -> logits (N, 10)."""
    example = torch.rand(_EXAMPLE_BATCH, 1, 28, 28)  # (2, 1, 28, 28) float32 in [0, 1]
    batch = torch.export.Dim(BATCH_DIM, min=1)
    with _quiet_exporter(), torch.no_grad():
        program = torch.onnx.export(
            model.eval(), (example,), dynamo=True, opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_shapes=({0: batch},), optimize=True, verbose=False)
    return program.model_proto
