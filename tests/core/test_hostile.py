"""The hostile suite, runtime half: bad images, names, special files, models and folders given to
the real `mnist-edge` as an attacker or a careless user would. The promise under test: every bad
input is one line naming it, the others are still read, no traceback, nothing read outside.

The corpus is made on the spot (tests/helpers/hostile.py); models that need onnx to build are in
tests/train/test_hostile_models.py, export and train faults in tests/train/test_hostile_export.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers.clirun import ARTIFACTS, mnist_edge
from helpers.hostile import SAMPLE, copy_sample, make_images, run_unprivileged, special_arguments

from mnist_edge.errors import UserError
from mnist_edge.model.check import MAX_BYTES, read_model

IS_ROOT = os.geteuid() == 0


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr


def strict_json(line: str) -> dict:
    """json.loads that refuses NaN and Infinity (not JSON, though Python writes them)."""
    def refuse(constant):
        raise ValueError(f"{constant} in JSON output: {line}")
    return json.loads(line, parse_constant=refuse)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "images"
    return folder, make_images(folder)


@pytest.fixture(scope="module")
def table_run(corpus):
    folder, _ = corpus
    args = [folder, *(arg for arg, _ in special_arguments(folder).values())]
    return mnist_edge("predict", *args, timeout=120)


@pytest.fixture(scope="module")
def json_run(corpus):
    folder, _ = corpus
    return mnist_edge("predict", "--json", folder, timeout=120)


def test_corpus_table_run_is_clean(table_run):
    no_traceback(table_run)
    assert table_run.returncode == 1  # some inputs failed, the others were read
    errors = [line for line in table_run.stderr.splitlines() if line.startswith("error: ")]
    others = [line for line in table_run.stderr.splitlines()
              if not line.startswith(("error: ", "skipped: ", "warning: "))]
    assert others == [] and errors


@pytest.mark.parametrize("case", ["postscript_as_png", "eps_suffix", "strip_1x39999999",
                                  "bomb_100mp", "bomb_200mp_pillow_limit", "bomb_rgba", "truncated",
                                  "empty", "text", "fifo", "dev_zero_link", "symlink_loop",
                                  "dangling_link"])
def test_each_bad_image_is_one_line_naming_it(corpus, table_run, case):
    _, cases = corpus
    path, expect = cases[case]
    lines = [line for line in table_run.stderr.splitlines() if line.startswith(f"error: {path}: ")]
    assert len(lines) == 1, table_run.stderr
    assert expect in lines[0]


@pytest.mark.parametrize("case", ["/dev/zero", "folder_as_file", "missing"])
def test_special_arguments_named_precisely(corpus, table_run, case):
    folder, _ = corpus
    arg, expect = special_arguments(folder)[case]
    said = [line for line in table_run.stderr.splitlines() if f" {arg}: " in line]
    assert len(said) == 1 and expect in said[0], table_run.stderr


def test_readable_images_still_read_with_hostile_names(table_run):
    """Seven copies of the digit 7 under hostile names, and a 48 MP phone JPEG (drafted down)."""
    rows = table_run.stdout.splitlines()
    assert rows[0].split() == ["file", "digit", "probability"]
    body = rows[1:]
    assert len(body) == 5 and all(row.split()[-2] == "7" for row in body), table_run.stdout
    assert any("new\\nline.png" in row for row in body)  # a newline in a name: still one row
    assert any("caf\\udce9\\udcff.png" in row for row in body)  # undecodable bytes escaped
    assert not any("\x1b" in row for row in body)  # no terminal escape reaches the terminal


def test_corpus_json_lines_are_strict_json(corpus, json_run):
    _, cases = corpus
    no_traceback(json_run)
    objects = [strict_json(line) for line in json_run.stdout.splitlines()]
    by_file = {o["file"]: o for o in objects}
    assert len(by_file) == len(cases)  # every image of the folder: a result or an error
    assert by_file[str(cases["phone_48mp_jpeg"][0])]["digit"] == 7
    assert "error" in by_file[str(cases["fifo"][0])]


def test_unencodable_names_under_an_ascii_terminal(corpus, tmp_path):
    folder, _ = corpus
    env_ascii = {**os.environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    import subprocess
    import sys

    script = Path(sys.executable).parent / "mnist-edge"
    for args in (["predict", folder], ["predict", "--json", folder]):
        result = subprocess.run([str(script), *map(str, args)], capture_output=True, text=True,
                                env=env_ascii, timeout=120)
        no_traceback(result)
        assert result.returncode == 1
        assert result.stdout.count("7") >= 5


def test_decoder_warning_is_one_line_naming_the_file(tmp_path):
    import io
    import struct

    from PIL import Image

    ifd = (struct.pack("<H", 2) + struct.pack("<HHII", 0x0112, 3, 1, 1)
           + struct.pack("<HHII", 0x010E, 2, 400, 9999) + b"\0\0\0\0")  # a tag past the end
    buffer = io.BytesIO()
    with Image.open(SAMPLE) as img:
        img.convert("L").save(buffer, "JPEG", exif=b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd)
    path = tmp_path / "bad_exif.jpg"
    path.write_bytes(buffer.getvalue())
    result = mnist_edge("predict", path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [f"warning: {path}: Tag data larger than file. Skipping tag 270"]


# --- models and options that need no onnx to build ----------------------------------------


def test_oversized_model_refused_before_reading(tmp_path):
    huge = tmp_path / "huge.onnx"
    with open(huge, "wb") as f:
        f.truncate(1_900_000_000)  # sparse: 1.9 GB on paper, nothing on disk
    with pytest.raises(UserError, match=r"1,900,000,000 bytes, more than the 256 MiB"):
        read_model(huge)
    assert MAX_BYTES == 256 * 2**20


@pytest.mark.parametrize("model,expect", [("/dev/zero", "character device"),
                                          ("fifo", "FIFO"), ("loop", "symbolic link loop"),
                                          ("dir", "is a directory"), ("missing", "model file not found")])
def test_special_model_paths(tmp_path, model, expect):
    if model == "fifo":
        os.mkfifo(tmp_path / "m.onnx")
    elif model == "loop":
        (tmp_path / "m.onnx").symlink_to("m.onnx")
    elif model == "dir":
        (tmp_path / "m.onnx").mkdir()
    path = model if model.startswith("/") else tmp_path / "m.onnx"
    result = mnist_edge("predict", "--model", path, SAMPLE, timeout=60)
    no_traceback(result)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: ") and expect in result.stderr
    assert result.stderr.count("\n") == 1


def test_json_flag_given_a_value_is_a_usage_error(tmp_path):
    for args in (["predict", "--json", "true", SAMPLE], ["info", "--json", "yes"]):
        result = mnist_edge(*args)
        no_traceback(result)
        assert result.returncode == 2
        assert "--json is a flag and takes no value" in result.stderr


def test_help_documents_exit_codes_and_shows_no_bool_metavar():
    from typer.testing import CliRunner

    from mnist_edge.cli.app import app

    for command in ("predict", "info", "eval", "bench", "train", "export"):
        result = CliRunner().invoke(app, [command, "--help"], terminal_width=100)
        assert result.exit_code == 0
        text = " ".join(result.output.split())
        assert "Exit codes: 0" in text and "2 a usage" in text, command
        assert "<bool>" not in result.output, command


def test_models_sharing_a_file_name_get_distinct_bench_rows(tmp_path):
    paths = []
    for folder in ("mine", "shipped"):
        (tmp_path / folder).mkdir()
        paths.append(shutil.copyfile(ARTIFACTS / "mnist_cnn.int8.onnx", tmp_path / folder / "mnist_cnn.int8.onnx"))
    report = tmp_path / "bench.json"
    result = mnist_edge("bench", *paths, "--runs", "3", "--warmup", "1", "--cold-starts", "0",
                        "--threads", "1", "--batch", "1", "--backend", "onnxruntime", "--json", report,
                        timeout=300)  # OpenVINO, where installed, would add its own rows
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    labels = [m["label"] for m in data["models"]]
    assert labels == ["mine/mnist_cnn.int8.onnx", "shipped/mnist_cnn.int8.onnx"]
    assert len(data["ratios"]) == 1


# --- permissions, held to them even as root --------------------------------------------------


@pytest.fixture()
def locked(tmp_path):
    """A readable folder with a digit, an unreadable folder, an unsearchable one, an unreadable file."""
    ok = tmp_path / "ok"
    copy_sample(ok)
    for name, mode in (("unreadable", 0o300), ("unsearchable", 0o600)):
        copy_sample(tmp_path / name)
        (tmp_path / name).chmod(mode)
    secret = copy_sample(ok, "secret.png")
    secret.chmod(0o000)
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    yield tmp_path
    for name in ("unreadable", "unsearchable", "readonly"):
        (tmp_path / name).chmod(0o755)


def test_unreadable_folders_and_files_named_others_read(locked):
    result = run_unprivileged("predict", locked / "ok", locked / "unreadable",
                              locked / "unsearchable", f"{locked}/unsearchable/*.png")
    no_traceback(result)
    assert result.returncode == 1, result.stderr
    errors = result.stderr.splitlines()
    assert f"error: {locked / 'unreadable'}: cannot read the folder (permission denied)" in errors
    # listable but not searchable: each name is seen, none can be opened
    assert f"error: {locked / 'unsearchable' / 'seven.png'}: permission denied" in errors
    assert any(e.startswith(f"error: {locked}/unsearchable/*.png: cannot read the folder") for e in errors)
    assert f"error: {locked / 'ok' / 'secret.png'}: permission denied" in errors
    assert result.stdout.splitlines()[1].split()[-2] == "7"  # ok/seven.png still read


def test_bench_json_into_a_read_only_folder_refused_before_measuring(locked):
    result = run_unprivileged("bench", "--json", locked / "readonly" / "bench.json",
                              "--seconds", "600")  # refused at once, not after 10 minutes
    no_traceback(result)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {locked / 'readonly'}: ") and "not writable" in result.stderr


@pytest.mark.parametrize("size", [(10000, 1), (1, 10000), (5000, 2)])
def test_a_strip_thinner_than_its_reduction_is_blank_not_a_traceback(size):
    """A 10000 x 1 image was box-reduced for analysis to no rows at all, and predict and read
    ended in an IndexError; the reduction now keeps a strip's one row (it stays longer)."""
    from PIL import Image

    from mnist_edge.api import DigitReader, Failure
    reader = DigitReader()
    assert reader.predict_many([Image.new("L", size, 255)])[0].reason == "blank"
    failure = reader.read_many([Image.new("L", size, 255)])[0]
    assert isinstance(failure, Failure) and "no digits found" in failure.error
