"""Bounded property-based fuzzing (hypothesis) of the two parsers hostile bytes reach first:
image loading + preprocessing, and the hand-written model check (then onnxruntime's session
and one run, where the check passes). The property: any bytes give a
result or a UserError, never another exception (a traceback in the CLI).

Seeds are real files (a sample digit as PNG, JPEG, TIFF, GIF, BMP, WEBP; the shipped INT8
model), mutated by bit flips, byte overwrites, cuts and insertions. Examples are bounded
(derandomized, a few hundred each) so the file runs in seconds and the same way every time.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from PIL import Image  # noqa: E402

from mnist_edge.errors import UserError  # noqa: E402
from mnist_edge.image.preprocess import preprocess_image  # noqa: E402
from mnist_edge.image.load import load_image_bytes  # noqa: E402
from mnist_edge.model.check import read_model, shipped_model  # noqa: E402
from mnist_edge.model.session import OnnxModel  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "artifacts" / "samples" / "digit_3_idx18.png"
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _encoded(fmt: str) -> bytes:
    with Image.open(SAMPLE) as img:
        buffer = io.BytesIO()
        img.convert("RGB" if fmt == "JPEG" else "L").save(buffer, fmt)
        return buffer.getvalue()


IMAGE_SEEDS = [_encoded(fmt) for fmt in ("PNG", "JPEG", "TIFF", "GIF", "BMP", "WEBP")]
MODEL_SEED = shipped_model("int8").read_bytes()


@st.composite
def mutated(draw, seeds: list[bytes], max_edits: int = 6):
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, max_edits))):
        kind = draw(st.sampled_from(["flip", "byte", "cut", "insert", "chunk"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte" and data:
            data[pos] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))]))
        elif kind == "cut":
            data = data[:pos]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "chunk" and len(data) > 8:  # large numbers where sizes live
            data[pos : pos + 4] = draw(st.sampled_from([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00",
                                                        b"\xff\xff\xff\xff", b"\x80\x80\x80\x80"]))
    return bytes(data)


@FUZZ
@given(mutated(IMAGE_SEEDS))
def test_image_bytes_give_an_image_or_a_user_error(data):
    try:
        pixels = preprocess_image(load_image_bytes(data, "fuzz"), "fuzz")
    except UserError as e:
        assert str(e).startswith("fuzz: ") and "\n" not in str(e)
        return
    assert pixels.shape == (28, 28) and np.isfinite(pixels).all()


@FUZZ
@given(mutated([MODEL_SEED], max_edits=4))
def test_model_bytes_give_a_checked_model_or_a_user_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz", numbered=True) / "m.onnx"
    path.write_bytes(data)
    printed = io.StringIO()
    try:
        read_model(path)
        with contextlib.redirect_stdout(printed):  # nothing of onnxruntime's on our stdout
            OnnxModel(path).predict_logits(np.zeros((2, 1, 28, 28), np.float32))
    except UserError as e:
        assert str(e).startswith(f"{path}: ") and "\n" not in str(e)
    assert printed.getvalue() == ""
