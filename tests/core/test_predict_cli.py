"""`mnist-edge predict` through the real console script: output formats, bad input, exit codes.

Every bad input gets one line naming the file and the problem, no traceback; the other
images of the same call are still predicted; exit code 0 all fine, 1 some failed, 2 usage or
model error. Uses the shipped model and artifacts/samples (MNIST test digits).
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers.clirun import ARTIFACTS, json_lines, mnist_edge
from mnist_edge.api import DigitReader
from mnist_edge.cli.predict import PredictConfig, run_predict
from mnist_edge.image.preprocess import preprocess_file
from mnist_edge.model.session import CHUNK as RUN_CHUNK
from mnist_edge.views import SHIFTS

SAMPLES = sorted((ARTIFACTS / "samples").glob("digit_*_idx*.png"))


def digit_of(path: str | Path) -> int:
    return int(re.match(r"digit_(\d)_", Path(path).name).group(1))


def huge_png(path: Path, side: int = 10_000) -> None:
    """A valid PNG header claiming side x side pixels, with almost no data: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def truncated_png(path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])


BAD = {  # file name -> (how to make it, what the error line must say)
    "missing.png": (None, "file not found"),
    "empty.png": (lambda p: p.write_bytes(b""), "empty file"),
    "truncated.png": (truncated_png, "corrupt or truncated image"),
    "text.png": (lambda p: p.write_text("not a picture\n"), "not an image"),
    "huge.png": (huge_png, "image too large"),
}


@pytest.fixture()
def bad_folder(tmp_path) -> Path:
    for name, (make, _) in BAD.items():
        if make is not None:
            make(tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("name", list(BAD))
def test_each_bad_image_is_one_line_and_exit_1(bad_folder, name):
    result = mnist_edge("predict", bad_folder / name)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad_folder / name}: ")
    assert BAD[name][1] in lines[0] and result.stdout == ""


def test_bad_images_do_not_stop_the_good_ones(bad_folder):
    good = shutil.copyfile(SAMPLES[3], bad_folder / "good.png")
    args = [bad_folder / name for name in BAD] + [good]
    result = mnist_edge("predict", *args)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(BAD)
    for line, name in zip(errors, BAD):
        assert line.startswith(f"error: {bad_folder / name}: ") and BAD[name][1] in line
    rows = result.stdout.strip().splitlines()
    assert rows[0].split() == ["file", "digit", "probability"]
    assert rows[1].split()[:2] == [str(good), str(digit_of(SAMPLES[3]))]

    result = mnist_edge("predict", "--json", *args)
    assert result.returncode == 1
    objects = json_lines(result.stdout)
    assert [o["file"] for o in objects] == [str(a) for a in args]  # argument order
    for obj, name in zip(objects, BAD):
        assert set(obj) == {"file", "error"} and BAD[name][1] in obj["error"]
    assert objects[-1]["digit"] == digit_of(SAMPLES[3])


def test_folder_with_non_images_skips_them_and_exits_0(tmp_path):
    shutil.copyfile(SAMPLES[0], tmp_path / "a.png")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "data.csv").write_text("1,2")
    result = mnist_edge("predict", tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stderr.strip().splitlines()) == [
        f"skipped: {tmp_path / 'data.csv'}: not an image", f"skipped: {tmp_path / 'notes.txt'}: not an image"]
    assert result.stdout.strip().splitlines()[1].split()[:2] == [str(tmp_path / "a.png"), str(digit_of(SAMPLES[0]))]


def test_empty_folder_is_a_usage_error(tmp_path):
    result = mnist_edge("predict", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no image files in {tmp_path}"


@pytest.mark.parametrize("args", [["--top-k", "11"], ["--top-k", "x"], ["--threads", "-1"], ["--bogus"], []])
def test_usage_errors_exit_2_without_traceback(args):
    result = mnist_edge("predict", *args, *([SAMPLES[0]] if args else []))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_samples_from_another_directory_table_and_top_k(tmp_path):
    result = mnist_edge("predict", ARTIFACTS / "samples", "--top-k", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.strip().splitlines()
    assert header.split() == ["file", "digit", "probability", "top"]
    assert len(rows) == len(SAMPLES) == 10
    for row, sample in zip(rows, SAMPLES):
        file, digit, probability, *top = row.split()
        assert (file, int(digit)) == (str(sample), digit_of(sample))
        assert len(top) == 3 and top[0] == f"{digit}:{probability}"
    assert "ATTRIBUTION.md: not an image" in result.stderr


def test_json_schema(tmp_path):
    result = mnist_edge("predict", "--json", "--top-k", "4", *SAMPLES)
    assert result.returncode == 0
    objects = json_lines(result.stdout)
    assert len(objects) == len(SAMPLES)
    for obj, sample in zip(objects, SAMPLES):
        assert list(obj) == ["file", "digit", "probability", "top"]
        assert obj["file"] == str(sample) and obj["digit"] == digit_of(sample)
        assert [list(t) for t in obj["top"]] == [["digit", "probability"]] * 4
        probs = [t["probability"] for t in obj["top"]]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0 + 1e-5
        assert obj["top"][0] == {"digit": obj["digit"], "probability": obj["probability"]}


def test_globs_and_repeats_are_predicted_once(tmp_path):
    result = mnist_edge("predict", "--json", str(ARTIFACTS / "samples" / "digit_[12]_*.png"), SAMPLES[1])
    assert [o["digit"] for o in json_lines(result.stdout)] == [1, 2]
    result = mnist_edge("predict", str(tmp_path / "*.png"))
    assert result.returncode == 1 and "no files match" in result.stderr


def test_save_preprocessed_writes_what_the_network_saw(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    twin = shutil.copyfile(SAMPLES[5], other / SAMPLES[5].name)  # same name, another folder
    out = tmp_path / "seen"
    result = mnist_edge("predict", SAMPLES[5], twin, "--save-preprocessed", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [SAMPLES[5].name, f"{SAMPLES[5].stem}_2.png"]
    saved = np.asarray(Image.open(out / SAMPLES[5].name))
    expected = np.round(preprocess_file(SAMPLES[5]) * 255).astype(np.uint8)
    assert saved.shape == (28, 28) and np.array_equal(saved, expected)


def test_many_images_go_through_the_session_in_batches(tmp_path):
    for i in range(300):
        shutil.copyfile(SAMPLES[i % 10], tmp_path / f"{i:03d}_{SAMPLES[i % 10].name}")
    reader = DigitReader()
    model = reader.backend.model  # the onnxruntime backend's OnnxModel
    calls = []
    run = model.session.run
    model.session = type("Spy", (), {"run": lambda self, names, feed: calls.append(
        len(next(iter(feed.values())))) or run(names, feed)})()
    out, err = io.StringIO(), io.StringIO()
    cfg = PredictConfig(images=[str(tmp_path)], json_lines=True)
    assert run_predict(cfg, out, err, reader=reader) == 0
    # predict reads 256 images at a time, each in len(SHIFTS) views (mnist_edge.views); the
    # session runs the views RUN_CHUNK at a time, not one by one
    views = [len(SHIFTS) * n for n in (256, 44)]
    assert calls == [len(c) for n in views for c in np.array_split(np.arange(n), range(RUN_CHUNK, n, RUN_CHUNK))]
    assert sum(calls) == 300 * len(SHIFTS) and len(calls) < 300
    digits = [o["digit"] for o in json_lines(out.getvalue())]
    assert digits == [digit_of(SAMPLES[i % 10]) for i in range(300)]


def test_a_blank_page_is_not_a_digit_not_an_error(tmp_path):
    Image.new("L", (64, 64), 255).save(tmp_path / "blank.png")
    result = mnist_edge("predict", tmp_path / "blank.png")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[1:] == ["-", "-", "not", "a", "digit", "(blank)"]
    result = mnist_edge("predict", "--json", tmp_path / "blank.png")
    (obj,) = json_lines(result.stdout)
    assert obj["digit"] is None and obj["reason"] == "blank"


def test_min_logsumexp_refuses_as_not_a_digit_and_keeps_the_probability():
    """--min-logsumexp over what the sample scores: '-' and the reason in the table, digit null
    with reason not_a_digit and the probability in JSON, exit 0 (an answer, not an error)."""
    sample = next((ARTIFACTS / "samples").glob("digit_7_*.png"))
    table = mnist_edge("predict", sample, "--min-logsumexp", "1000")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split()[1] == "-" and "(not_a_digit)" in table.stdout
    (obj,) = json_lines(mnist_edge("predict", "--json", sample, "--min-logsumexp", "1000").stdout)
    assert obj["digit"] is None and obj["reason"] == "not_a_digit" and obj["probability"] > 0.99
    (obj,) = json_lines(mnist_edge("predict", "--json", sample, "--min-logsumexp", "-1000").stdout)
    assert obj["digit"] == 7


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`mnist-edge predict many/ | head -1`: the pipe closes while predict still writes."""
    import subprocess
    import sys

    for i in range(300):  # more rows than a pipe's buffer holds
        shutil.copy(next((ARTIFACTS / "samples").glob("digit_7_*.png")), tmp_path / f"d{i:03d}_{'x' * 40}.png")
    predict = subprocess.Popen([str(Path(sys.executable).parent / "mnist-edge"), "predict", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    predict.stdout.readline()
    predict.stdout.close()  # as head does after its line
    err = predict.stderr.read().decode()
    assert predict.wait(timeout=120) in (0, 1) and "Traceback" not in err, err
