"""Just enough of ONNX's protobuf, read by hand, for the checks made before a model is loaded.

What it is: a protobuf wire-format reader (varints, fixed and length-delimited fields) and one
walk over a ModelProto that collects what the runtime checks and `mnist-edge info` shows:
ir_version, opsets, producer, the graph's inputs and outputs (element type and shape), the
op types used, metadata_props, and the external-data location of every tensor anywhere in
the model (initializers, sparse initializers, Constant-style attributes, subgraphs,
functions, training graphs). Standard library only: the runtime never imports onnx.
What it isn't: a general protobuf or ONNX library, a validator of the graph's semantics
(onnxruntime does that when it loads the model), or a writer.

Field numbers are those of onnx/onnx.proto (IR version 10); unknown fields are skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# TensorProto.DataType -> name
ELEM_TYPES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    8: "string", 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64",
    14: "complex64", 15: "complex128", 16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz",
    19: "float8e5m2", 20: "float8e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4e2m1",
}
FLOAT = 1
EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL

Dim = int | str | None  # a fixed size, a symbolic name, or unknown


class ProtoError(ValueError):
    """The bytes are not a well-formed protobuf message of the expected kind."""


@dataclass
class ValueInfo:
    """A graph input or output: name, element type (ELEM_TYPES key, 0 = not a tensor), shape."""

    name: str
    elem_type: int = 0
    shape: tuple[Dim, ...] | None = None  # None: rank unknown

    def text(self) -> str:
        """e.g. 'image: float32 [N, 1, 28, 28]'."""
        kind = ELEM_TYPES.get(self.elem_type, f"type {self.elem_type}") if self.elem_type else "non-tensor"
        dims = "?" if self.shape is None else "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"
        return f"{self.name}: {kind} {dims}"


@dataclass
class ModelProtoInfo:
    """What one walk over a ModelProto found."""

    ir_version: int = 0
    producer: str = ""
    domain: str = ""
    model_version: int = 0
    opsets: dict[str, int] = field(default_factory=dict)  # domain ("" = ai.onnx) -> version
    inputs: list[ValueInfo] = field(default_factory=list)  # graph inputs that are not initializers
    outputs: list[ValueInfo] = field(default_factory=list)
    op_types: Counter = field(default_factory=Counter)  # op_type -> count, subgraphs included
    initializer_types: Counter = field(default_factory=Counter)  # elem type -> count, all tensors
    metadata: dict[str, str] = field(default_factory=dict)
    external_data: list[tuple[str, str]] = field(default_factory=list)  # (tensor name, location)
    has_graph: bool = False


# --- wire format ---------------------------------------------------------------------------


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ProtoError("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf: memoryview):
    """Yield (field number, wire type, value) of one message: int, or memoryview when wire type 2."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtoError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = int.from_bytes(buf[pos : pos + size], "little"), pos + size
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        else:
            raise ProtoError(f"unsupported wire type {wire} (field {number})")
        if pos > end:
            raise ProtoError(f"field {number} runs past the end of its message (truncated file?)")
        yield number, wire, value


def _message(wire: int, value) -> memoryview:
    if wire != 2:
        raise ProtoError(f"expected an embedded message, got wire type {wire}")
    return value


def _text(wire: int, value) -> str:
    try:
        return bytes(_message(wire, value)).decode("utf-8")
    except UnicodeDecodeError:
        raise ProtoError("a string field is not UTF-8") from None


def _int(wire: int, value) -> int:
    if wire != 0:
        raise ProtoError(f"expected an integer, got wire type {wire}")
    return value - (1 << 64) if value >= 1 << 63 else value  # int64 two's complement


# --- ONNX messages -------------------------------------------------------------------------


def parse_model(data: bytes) -> ModelProtoInfo:
    """Serialized ModelProto -> ModelProtoInfo; ProtoError if it is not one."""
    info = ModelProtoInfo()
    for number, wire, value in fields(memoryview(data)):
        if number == 1:
            info.ir_version = _int(wire, value)
        elif number in (2, 3):  # producer_name, producer_version
            info.producer = " ".join(filter(None, (info.producer, _text(wire, value))))
        elif number == 4:
            info.domain = _text(wire, value)
        elif number == 5:
            info.model_version = _int(wire, value)
        elif number == 7:
            info.has_graph = True
            _graph(_message(wire, value), info, top=True)
        elif number == 8:
            domain, version = _opset(_message(wire, value))
            info.opsets[domain] = version
        elif number == 14:
            key, val = _entry(_message(wire, value))
            info.metadata[key] = val
        elif number == 20:  # TrainingInfoProto: initialization (1), algorithm (2) graphs
            for n, w, v in fields(_message(wire, value)):
                if n in (1, 2):
                    _graph(_message(w, v), info, top=False)
        elif number == 25:  # FunctionProto: node (7)
            for n, w, v in fields(_message(wire, value)):
                if n == 7:
                    _node(_message(w, v), info)
    return info


def _graph(buf: memoryview, info: ModelProtoInfo, top: bool) -> None:
    inputs, outputs, initializers = [], [], set()
    for number, wire, value in fields(buf):
        if number == 1:
            _node(_message(wire, value), info)
        elif number == 5:
            initializers.add(_tensor(_message(wire, value), info))
        elif number == 15:  # SparseTensorProto: values (1), indices (2)
            for n, w, v in fields(_message(wire, value)):
                if n in (1, 2):
                    name = _tensor(_message(w, v), info)
                    if n == 1:  # the values tensor carries the initializer's name
                        initializers.add(name)
        elif number == 11 and top:
            inputs.append(_value_info(_message(wire, value)))
        elif number == 12 and top:
            outputs.append(_value_info(_message(wire, value)))
    if top:  # before IR 4, initializers were also listed as inputs
        info.inputs = [v for v in inputs if v.name not in initializers]
        info.outputs = outputs


def _node(buf: memoryview, info: ModelProtoInfo) -> None:
    for number, wire, value in fields(buf):
        if number == 4:
            info.op_types[_text(wire, value)] += 1
        elif number == 5:
            _attribute(_message(wire, value), info)


def _attribute(buf: memoryview, info: ModelProtoInfo) -> None:
    """Tensors (t 5, tensors 10), graphs (g 6, graphs 11), sparse tensors (22, 23) inside one attribute."""
    for number, wire, value in fields(buf):
        if number in (5, 10):
            _tensor(_message(wire, value), info)
        elif number in (6, 11):
            _graph(_message(wire, value), info, top=False)
        elif number in (22, 23):
            for n, w, v in fields(_message(wire, value)):
                if n in (1, 2):
                    _tensor(_message(w, v), info)


def _tensor(buf: memoryview, info: ModelProtoInfo) -> str:
    """Record the tensor's type and external-data location; returns its name."""
    name, elem_type, location, external = "", 0, None, False
    for number, wire, value in fields(buf):
        if number == 2:
            elem_type = _int(wire, value)
        elif number == 8:
            name = _text(wire, value)
        elif number == 13:
            key, val = _entry(_message(wire, value))
            if key == "location":
                location = val
        elif number == 14:
            external = _int(wire, value) == EXTERNAL
    info.initializer_types[elem_type] += 1
    if external or location is not None:
        info.external_data.append((name, location or ""))
    return name


def _value_info(buf: memoryview) -> ValueInfo:
    info = ValueInfo(name="")
    for number, wire, value in fields(buf):
        if number == 1:
            info.name = _text(wire, value)
        elif number == 2:
            for n, w, v in fields(_message(wire, value)):
                if n == 1:  # TypeProto.tensor_type
                    info.elem_type, info.shape = _tensor_type(_message(w, v))
    return info


def _tensor_type(buf: memoryview) -> tuple[int, tuple[Dim, ...] | None]:
    elem_type, shape = 0, None
    for number, wire, value in fields(buf):
        if number == 1:
            elem_type = _int(wire, value)
        elif number == 2:
            shape = tuple(_dim(_message(w, v)) for n, w, v in fields(_message(wire, value)) if n == 1)
    return elem_type, shape


def _dim(buf: memoryview) -> Dim:
    dim: Dim = None
    for number, wire, value in fields(buf):
        if number == 1:
            dim = _int(wire, value)
        elif number == 2:
            dim = _text(wire, value) or None
    return dim


def _opset(buf: memoryview) -> tuple[str, int]:
    domain, version = "", 0
    for number, wire, value in fields(buf):
        if number == 1:
            domain = _text(wire, value)
        elif number == 2:
            version = _int(wire, value)
    return domain, version


def _entry(buf: memoryview) -> tuple[str, str]:
    """StringStringEntryProto -> (key, value)."""
    key = val = ""
    for number, wire, value in fields(buf):
        if number == 1:
            key = _text(wire, value)
        elif number == 2:
            val = _text(wire, value)
    return key, val
