"""Two exact edits of a .tflite flatbuffer that litert-torch's output needs for the runtime.

What it is:
- dynamic_batch(): litert-torch 0.10 cannot convert a dynamic batch (its JAX lowering of the
  normalisation's Sub asserts on the symbolic dimension), so the network is converted with
  batch 1, and this edit makes that batch -1: in the shape signature of every activation
  tensor and in the target shape of every Reshape (litert-torch writes [1, 28, 28, 1] and
  [1, 1152]; -1 infers the same 1 for one image). Nothing else in the graph depends on the
  batch, so logits of N images in one invoke equal those of N invokes of one (the tests
  check it, bit for bit).
- with_metadata(): adds a Model.metadata entry holding a JSON object of strings (the same
  keys the ONNX files carry as metadata_props), read back by mnist_edge.backends.litert.
What it isn't: conversion or quantization (tflite.py).
"""

from __future__ import annotations

import json

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.tools import flatbuffer_utils as fbu


def dynamic_batch(data: bytes) -> bytes:
    """The model with its leading batch dimension of 1 made dynamic (-1); ValueError if not batch 1."""
    model = fbu.convert_bytearray_to_object(data)
    for graph in model.subgraphs:
        _dynamic_reshapes(model, graph)
        for tensor in graph.tensors:
            if _is_constant(model, tensor) or tensor.shape is None or len(tensor.shape) == 0:
                continue
            shape = list(tensor.shapeSignature if tensor.shapeSignature is not None else tensor.shape)
            if shape[0] not in (1, -1):
                raise ValueError(f"tensor {tensor.name!r} has batch {shape[0]}, expected 1")
            tensor.shapeSignature = [-1, *shape[1:]]
    return bytes(fbu.convert_object_to_bytearray(model))


def _is_constant(model, tensor) -> bool:
    buffer = model.buffers[tensor.buffer]
    return buffer.data is not None and len(buffer.data) > 0


def _dynamic_reshapes(model, graph) -> None:
    """Set the batch of every Reshape's constant target shape (and its options) to -1."""
    reshape = {i for i, code in enumerate(model.operatorCodes)
               if fbu.get_builtin_code_from_operator_code(code) == schema.BuiltinOperator.RESHAPE}
    for op in graph.operators:
        if op.opcodeIndex not in reshape:
            continue
        if len(op.inputs) > 1 and op.inputs[1] >= 0:
            buffer = model.buffers[graph.tensors[op.inputs[1]].buffer]
            if buffer.data is None or len(buffer.data) == 0:
                raise ValueError("a Reshape's target shape is computed at run time: not an edit for it")
            target = np.frombuffer(bytes(buffer.data), dtype=np.int32).copy()
            target[0] = -1
            buffer.data = np.frombuffer(target.tobytes(), dtype=np.uint8)
        options = op.builtinOptions
        if isinstance(options, schema.ReshapeOptionsT) and options.newShape is not None:
            options.newShape = [-1, *list(options.newShape)[1:]]


def with_metadata(data: bytes, name: str, values: dict[str, str]) -> bytes:
    """The model with a metadata entry `name` = JSON of `values` (replacing one of that name,
    in its own buffer)."""
    model = fbu.convert_bytearray_to_object(data)
    raw = np.frombuffer(json.dumps(values, sort_keys=True).encode(), dtype=np.uint8)
    old = [m for m in (model.metadata or []) if m.name in (name, name.encode())]
    if old:
        model.buffers[old[0].buffer].data = raw
        return bytes(fbu.convert_object_to_bytearray(model))
    buffer = schema.BufferT()
    buffer.data = raw
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = name, len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]
    return bytes(fbu.convert_object_to_bytearray(model))
