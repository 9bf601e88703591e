"""`mnist-edge read` through the real console script: output formats, bad input, --annotate.

The photos are made here: the shipped sample digits (artifacts/samples) written side by side,
dark on a light page, as a number is written on a form. Checked: the --json object's shape and
boxes inside the image, the table, a bad or missing file is one line naming it while the others
are still read (exit 1), a blank page is an error line, --annotate writes one PNG per photo inside
its folder and nothing anywhere else.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from helpers.clirun import json_lines, mnist_edge
from helpers.number_photos import number_png

def test_read_help():
    result = mnist_edge("read", "--help")
    assert result.returncode == 0 and "--annotate" in result.stdout and "--json" in result.stdout


def test_json_object_per_photo(tmp_path):
    path = number_png(tmp_path / "year.png", "2026")
    result = mnist_edge("read", path, "--json")
    assert result.returncode == 0, result.stderr
    (obj,) = json_lines(result.stdout)
    assert set(obj) == {"file", "text", "confidence", "digits"} and obj["file"] == str(path)
    assert obj["text"] == "2026"
    with Image.open(path) as img:
        width, height = img.size
    for d, c in zip(obj["digits"], obj["text"]):
        assert set(d) <= {"digit", "probability", "box", "unsure"} and str(d["digit"]) == c
        x0, y0, x1, y1 = d["box"]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert [d["box"][0] for d in obj["digits"]] == sorted(d["box"][0] for d in obj["digits"])
    assert obj["confidence"] == min(d["probability"] for d in obj["digits"])


def test_bad_files_are_one_line_each_and_the_others_read(tmp_path):
    good = number_png(tmp_path / "good.png", "741")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 120), (240, 238, 230)).save(blank)
    result = mnist_edge("read", good, bad, tmp_path / "missing.png", blank)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and "Traceback" not in result.stderr
    assert errors[0].startswith(f"error: {bad}: ") and "missing.png: file not found" in errors[1]
    assert errors[2].startswith(f"error: {blank}: no digits found (blank image")
    rows = result.stdout.strip().splitlines()
    assert rows[0].split() == ["file", "text", "lowest", "p"] and rows[1].split()[:2] == [str(good), "741"]
    as_json = json_lines(mnist_edge("read", blank, "--json").stdout)
    assert as_json == [{"file": str(blank), "error": as_json[0]["error"]}]
    assert as_json[0]["error"].startswith("no digits found")


def test_annotate_writes_each_photo_inside_its_folder_only(tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    number_png(photos / "a.png", "35")
    number_png(photos / "b.png", "908")
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "drawn"
    result = mnist_edge("read", photos, "--annotate", out)
    assert result.returncode == 0, result.stderr
    assert {p for p in tmp_path.rglob("*")} - before == {out, out / "a.png", out / "b.png"}
    for name in ("a.png", "b.png"):
        with Image.open(out / name) as a, Image.open(photos / name) as b:
            drawn, original = (np.asarray(i.convert("RGB")).astype(int) for i in (a, b))
        assert drawn.shape == original.shape
        red = (drawn[..., 0] > 180) & (drawn[..., 1] < 90)  # the boxes and digits drawn
        assert red.sum() > 100 and not ((original[..., 0] > 180) & (original[..., 1] < 90)).any()


def test_strokes_thinner_than_a_cut_are_read_not_a_crash():
    from mnist_edge.api import DigitReader

    fence = np.full((60, 2000), 255, np.uint8)
    fence[10:50, 5:1995:20] = 0  # 100 upright 1 px strokes: a quarter px once analysed at 512 px
    reading = DigitReader().read(fence)
    assert reading.text == "1" * 100
