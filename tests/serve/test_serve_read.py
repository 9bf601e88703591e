"""POST /v1/read against the real server: the answers are `read --json`'s, the refusals predict's.

Photos of numbers are made from the shipped sample digits (tests/helpers/numbers.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from helpers.number_photos import number_png
from helpers.serve import require

httpx = require("httpx")
require("uvicorn")


def post(server, body=b"", files=None):
    return httpx.post(f"{server.url}/v1/read", content=body if files is None else None, files=files, timeout=60)


def read_json(*paths) -> list[dict]:
    script = Path(sys.executable).parent / "mnist-edge"
    out = subprocess.run([str(script), "read", "--json", *map(str, paths)], capture_output=True, text=True,
                         timeout=300)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_raw_body_answers_as_read_json(server, tmp_path):
    path = number_png(tmp_path / "year.png", "2026")
    r = post(server, path.read_bytes())
    assert r.status_code == 200, r.text
    (obj,) = r.json()["results"]
    (expected,) = read_json(path)
    assert obj["text"] == "2026"
    assert {k: v for k, v in obj.items() if k != "file"} == {k: v for k, v in expected.items() if k != "file"}


def test_multipart_photos_in_order_and_counted(server, tmp_path):
    before = httpx.get(server.url + "/metrics").text
    files = [("image", (f"n{k}.png", number_png(tmp_path / f"n{k}.png", text).read_bytes(), "image/png"))
             for k, text in enumerate(("35", "9041"))]
    r = post(server, files=files)
    assert r.status_code == 200, r.text
    assert [(o["file"], o["text"]) for o in r.json()["results"]] == [("n0.png", "35"), ("n1.png", "9041")]
    count = lambda text: int(next(line.split()[-1] for line in text.splitlines()  # noqa: E731
                                  if line.startswith('mnist_edge_images_total{outcome="read"}')))
    assert count(httpx.get(server.url + "/metrics").text) == count(before) + 2


def test_blank_photo_is_422_naming_it(server, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 120), (240, 238, 230)).save(blank)
    files = [("image", ("blank.png", blank.read_bytes(), "image/png")),
             ("image", ("n.png", number_png(tmp_path / "n.png", "71").read_bytes(), "image/png"))]
    r = post(server, files=files)
    assert r.status_code == 422
    assert r.json()["error"].startswith("blank.png: no digits found")
    assert r.json()["results"][1]["text"] == "71"


def test_openapi_describes_read(server):
    doc = httpx.get(server.url + "/openapi.json").json()
    assert "post" in doc["paths"]["/v1/read"]
