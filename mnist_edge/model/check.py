"""Checks made on a model file before onnxruntime loads it, and where the shipped models live.

What it is: read_model() reads the file once and checks that it is an ONNX model at all (parsed
by hand, mnist_edge.model.onnxproto), that no tensor's external data lies outside the model's own
folder, that the runtime's contract holds ((N, 1, 28, 28) float32 in, (N, 10) out, batch
dynamic), and, where model_card.json beside the model lists the file, that its SHA-256 matches.
Every failure is a UserError naming the file and the problem. Also: the shipped models'
paths (the mnist_edge.artifacts package, so it works from the checkout and from a wheel).
What it isn't: the session (mnist_edge.model.session) or a check of the graph's semantics, which
onnxruntime makes when it builds the session.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from mnist_edge.contract import CARD_JSON, IMAGE_SHAPE, MODEL_FILES, NUM_CLASSES
from mnist_edge.errors import UserError
from mnist_edge.filekind import not_a_file, os_reason
from mnist_edge.model.onnxproto import FLOAT, ModelProtoInfo, ProtoError, parse_model

try:  # CPython's own SHA-256: hashlib would load OpenSSL, +3.6 MiB and +11 ms on predict's start
    from _sha2 import sha256  # Python >= 3.12
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:  # a build without the built-in hashes
        from hashlib import sha256

# What this runtime reads of one model file, checked on its size before reading: an MNIST
# model is under 1 MiB, and protobuf's own limit (2 GiB) would mean reading 2 GB to refuse it.
# Weights stored as external data do not count.
MAX_BYTES = 256 * 2**20
INT8_TYPES = (3, 21, 22)  # TensorProto int8, uint4, int4
QUANT_OPS = frozenset({"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv",
                       "QLinearMatMul", "ConvInteger", "MatMulInteger", "QGemm", "QLinearAdd"})


def sha256_of(path: str | os.PathLike) -> str:
    """A file's SHA-256 (hex), as model cards and checkpoints record it."""
    digest = sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class CheckedModel:
    """A model file that passed the checks: its bytes, hash, parsed header and card entry."""

    path: Path
    data: bytes
    sha256: str
    proto: ModelProtoInfo
    card: dict | None  # this file's entry in model_card.json, if listed
    card_path: Path | None  # model_card.json beside the model, if present

    @property
    def precision(self) -> str:
        """'int8' or 'fp32' (precision_of)."""
        return precision_of(self.proto)


def artifacts_dir() -> Path:
    """The folder of the shipped models: the mnist_edge.artifacts package, wherever it is installed.

    The package's own __path__ rather than importlib.resources.files(), which costs predict's
    start-up 10 ms and 0.9 MiB; both give the same folder for an editable checkout and a wheel.
    """
    import mnist_edge.artifacts

    return Path(next(iter(mnist_edge.artifacts.__path__)))


def shipped_model(precision: str = "int8") -> Path:
    """Path of the shipped 'int8' (default) or 'fp32' model."""
    return artifacts_dir() / MODEL_FILES[precision]


def precision_of(proto: ModelProtoInfo) -> str:
    """'int8' if the graph has quantization ops or int8/int4 tensors, else 'fp32'."""
    if QUANT_OPS & set(proto.op_types) or any(proto.initializer_types[t] for t in INT8_TYPES):
        return "int8"
    return "fp32"


def read_model(path: str | os.PathLike, contract: bool = True) -> CheckedModel:
    """Read and check a model file (see the module docstring); UserError "PATH: problem"."""
    path = Path(path)
    data = _read_bytes(path)
    try:
        proto = parse_model(data)
    except ProtoError as e:
        raise UserError(f"{path}: not an ONNX model (unreadable protobuf: {e})") from None
    if not proto.has_graph or proto.ir_version <= 0:
        raise UserError(f"{path}: not an ONNX model (no graph or IR version in the file)")
    check_external_data(path, proto)
    if contract:
        problems = contract_problems(proto)
        if problems:
            raise UserError(f"{path}: does not fit the runtime ({'; '.join(problems)})")
    digest = sha256(data).hexdigest()
    card_path, card = card_entry(path)
    if card and card.get("sha256") and card["sha256"] != digest:
        raise UserError(f"{path}: SHA-256 {digest[:16]}... does not match {card_path} "
                        f"({str(card['sha256'])[:16]}...): the file was changed or replaced")
    return CheckedModel(path, data, digest, proto, card, card_path)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes: a regular file of 1 to MAX_BYTES bytes (size checked before reading)."""
    problem = not_a_file(path)
    if problem is not None:
        problem = "model file not found" if problem == "file not found" else problem
        raise UserError(f"{path}: {problem}")
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise UserError(f"{path}: empty file, not an ONNX model")
            if size > MAX_BYTES:
                raise UserError(f"{path}: {size:,} bytes, more than the {MAX_BYTES // 2**20} MiB "
                                f"this runtime reads for one model (an MNIST model is under 1 MiB)")
            return f.read(MAX_BYTES + 1)[:MAX_BYTES]  # bounded even if the file grows meanwhile
    except OSError as e:
        raise UserError(f"{path}: cannot read the model ({os_reason(e, path)})") from None


def check_external_data(path: Path, proto: ModelProtoInfo) -> None:
    """Every external-data location must name a file inside the model's folder.

    The folder is the one onnxruntime uses: the directory part of the path as given, NOT of
    the model's real path (a linked model reads its weights beside the link). The location,
    joined to it, must resolve (links followed, as onnxruntime's open follows them) inside
    that folder's real path: no absolute paths, no "..", no link leading out.
    """
    folder = Path(os.path.abspath(path)).parent  # onnxruntime: dirname of the path it was given
    real_folder = folder.resolve()
    for name, location in proto.external_data:
        where = f"tensor {name!r} stores its data externally"
        if not location:
            raise UserError(f"{path}: {where} but names no location")
        if "\0" in location:
            raise UserError(f"{path}: {where} at a location with a NUL byte ({location!r}); refused")
        try:
            target = (folder / location).resolve()
        except (OSError, RuntimeError) as e:  # a link loop
            raise UserError(f"{path}: {where} at {location!r}, which cannot be resolved ({e})") from None
        if os.path.isabs(location) or not target.is_relative_to(real_folder):
            raise UserError(f"{path}: {where} at {location!r}, outside the model's folder "
                            f"{folder}; refused")


def contract_problems(proto: ModelProtoInfo) -> list[str]:
    """What keeps the runtime from feeding (N, 1, 28, 28) float32 and reading (N, 10); [] if fine."""
    problems = []
    if len(proto.inputs) != 1:
        problems.append(f"expected 1 input, found {len(proto.inputs)}")
    else:
        problems += _tensor_problems("input", proto.inputs[0], IMAGE_SHAPE)
    if not proto.outputs:
        problems.append("the graph has no output")
    else:
        problems += _tensor_problems("output", proto.outputs[0], (NUM_CLASSES,))
    return problems


def _tensor_problems(role: str, value, per_item: tuple[int, ...]) -> list[str]:
    expected = f"{role} {value.text()}, expected float32 [N, {', '.join(map(str, per_item))}]"
    shape = value.shape
    if value.elem_type != FLOAT:
        return [expected]
    if shape is None:
        return []  # rank unknown: onnxruntime checks the fed array itself
    if len(shape) != 1 + len(per_item) or any(
            isinstance(d, int) and d != want for d, want in zip(shape[1:], per_item)):
        return [expected]
    if isinstance(shape[0], int) and shape[0] != -1:
        return [f"{role} {value.text()} has a fixed batch of {shape[0]}; the runtime needs a dynamic batch N"]
    return []


def card_entry(path: Path) -> tuple[Path | None, dict | None]:
    """(model_card.json beside the model, this file's entry in it); (None, None) without a card."""
    card_path = path.parent / CARD_JSON
    if not card_path.is_file():
        return None, None
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        entry = card.get("models", {}).get(path.name) or card.get("files", {}).get(path.name)
    except (OSError, ValueError, AttributeError) as e:
        raise UserError(f"{card_path}: unreadable model card ({type(e).__name__}: {e})") from None
    return card_path, entry if isinstance(entry, dict) else None
