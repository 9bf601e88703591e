"""API tests against the real server: every route, every refusal, and that it keeps serving.

The server's answers are compared with the CLI's (`predict --json`, `info --json`) and with
the Python API on the same files.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from helpers.serve import SAMPLES, require, start_server

httpx = require("httpx")
require("uvicorn")

SAMPLE_FILES = sorted(SAMPLES.glob("digit_*.png"))


def post(server, body=b"", query="", headers=None, files=None):
    return httpx.post(f"{server.url}/v1/predict{query}", content=body if files is None else None,
                      files=files, headers=headers, timeout=60)


def cli_json(*args) -> list[dict]:
    script = Path(sys.executable).parent / "mnist-edge"
    out = subprocess.run([str(script), *map(str, args)], capture_output=True, text=True, timeout=300)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def without_file(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "file"}


def test_healthz(server):
    r = httpx.get(server.url + "/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_model_is_what_info_shows(server):
    (expected,) = cli_json("info", "--json")
    r = httpx.get(server.url + "/v1/model")
    assert r.status_code == 200
    assert r.json()["sha256"] == expected["sha256"] and r.json()["precision"] == expected["precision"]


def test_raw_body_answers_as_predict_json(server):
    expected = cli_json("predict", "--json", "--top-k", "3", *SAMPLE_FILES)
    for path, want in zip(SAMPLE_FILES, expected):
        r = post(server, path.read_bytes(), "?top_k=3", {"Content-Type": "image/png"})
        assert r.status_code == 200, r.text
        (got,) = r.json()["results"]
        assert got["file"] == "body" and without_file(got) == without_file(want)


def test_multipart_several_images_in_order(server):
    files = [("image", (p.name, p.read_bytes(), "image/png")) for p in SAMPLE_FILES[:4]]
    r = post(server, files=files)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [o["file"] for o in results] == [p.name for p in SAMPLE_FILES[:4]]
    assert [o["digit"] for o in results] == [int(p.name.split("_")[1]) for p in SAMPLE_FILES[:4]]


def test_see_returns_what_the_network_saw(server):
    import mnist_edge

    path = SAMPLE_FILES[7]
    r = post(server, path.read_bytes(), "?see=1")
    (got,) = r.json()["results"]
    header, data = got["seen_png"].split(",", 1)
    assert header == "data:image/png;base64"
    seen = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))), np.float32) / 255  # (28, 28)
    expected = mnist_edge.load().predict(path.read_bytes(), see=True).pixels
    assert seen.shape == (28, 28) and np.abs(seen - expected).max() <= 0.5 / 255 + 1e-6


def test_unreadable_image_is_422_naming_it(server):
    files = [("image", ("seven.png", SAMPLE_FILES[7].read_bytes(), "image/png")),
             ("image", ("notes.txt", b"not an image at all", "text/plain"))]
    r = post(server, files=files)
    assert r.status_code == 422
    body = r.json()
    assert body["error"].startswith("notes.txt: ")
    assert body["results"][0]["digit"] == 7 and set(body["results"][1]) == {"file", "error"}


def test_blank_image_is_read_as_no_digit_and_counted(server):
    buffer = io.BytesIO()
    Image.new("L", (280, 280), 255).save(buffer, "PNG")  # an empty white canvas
    before = refusals(server)
    r = post(server, buffer.getvalue())
    assert r.status_code == 200
    (got,) = r.json()["results"]
    assert got["digit"] is None and got["reason"] == "blank"
    assert refusals(server) == before + 1


def refusals(server) -> int:
    text = httpx.get(server.url + "/metrics").text
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("mnist_edge_refusals_total ")))


@pytest.mark.parametrize("query, problem", [("?top_k=0", "top_k"), ("?top_k=x", "top_k"),
                                            ("?see=maybe", "see")])
def test_bad_query_is_400(server, query, problem):
    r = post(server, SAMPLE_FILES[0].read_bytes(), query)
    assert r.status_code == 400 and problem in r.json()["error"]


def test_empty_body_is_400(server):
    r = post(server, b"")
    assert r.status_code == 400 and "empty body" in r.json()["error"]


def test_malformed_multipart_is_400(server):
    r = post(server, b"--nope\r\ngarbage", headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 400 and r.json()["error"]


def test_multipart_without_files_is_400(server):
    body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            b"--b0undary--\r\n")
    r = post(server, body, headers={"Content-Type": "multipart/form-data; boundary=b0undary"})
    assert r.status_code == 400 and r.json()["error"].startswith("no file in the multipart form")


def test_body_over_the_limit_is_413(server):
    r = post(server, b"\0" * (10 * 2**20 + 1))
    assert r.status_code == 413 and "limit" in r.json()["error"]


def test_chunked_body_over_the_limit_is_413(server):
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("POST", "/v1/predict", body=(b"\0" * 2**20 for _ in range(11)), encode_chunked=True)
    r = conn.getresponse()
    assert r.status == 413 and "limit" in json.loads(r.read())["error"]
    conn.close()


def test_too_many_pixels_is_413(server):
    buffer = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buffer, "PNG")  # 30 MP, a few KiB
    r = post(server, buffer.getvalue())
    assert r.status_code == 413 and "30,000,000 pixels" in r.json()["error"]


def test_bomb_sized_image_is_413_without_a_warning_in_the_log(server):
    buffer = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buffer, "PNG")  # 100 MP: over Pillow's own warning limit
    r = post(server, buffer.getvalue())
    assert r.status_code == 413 and "100,000,000 pixels" in r.json()["error"]
    assert "DecompressionBombWarning" not in server.log_text()


def test_client_going_away_mid_body_is_counted_not_a_traceback(server):
    url = urlsplit(server.url)
    before = bad_requests(server)
    with socket.create_connection((url.hostname, url.port)) as s:
        s.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly ten b")
    deadline = time.monotonic() + 30
    while bad_requests(server) == before:  # answered 400 to nobody, and counted
        assert time.monotonic() < deadline, "the server never finished the abandoned request"
        time.sleep(0.1)
    assert "Traceback" not in server.log_text()


def bad_requests(server) -> int:
    line = 'mnist_edge_http_requests_total{route="/v1/predict",method="POST",status="400"} '
    text = httpx.get(server.url + "/metrics").text
    return next((int(x[len(line):]) for x in text.splitlines() if x.startswith(line)), 0)


def test_too_many_images_is_413(server):
    files = [("image", (f"{i}.png", SAMPLE_FILES[0].read_bytes(), "image/png")) for i in range(17)]
    r = post(server, files=files)
    assert r.status_code == 413 and "17 images" in r.json()["error"]


def test_unknown_path_and_method_are_json(server):
    r = httpx.get(server.url + "/v2/predict")
    assert r.status_code == 404 and "/v2/predict" in r.json()["error"]
    r = httpx.get(server.url + "/v1/predict")
    assert r.status_code == 405 and r.json()["error"].startswith("GET is not allowed")


def test_openapi_document_is_valid(server):
    from openapi_spec_validator import validate

    document = httpx.get(server.url + "/openapi.json").json()
    validate(document)
    assert set(document["paths"]) == {"/v1/predict", "/v1/read", "/v1/model", "/healthz", "/metrics"}


def test_page_and_its_assets_are_served_from_the_package_only(server):
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and 'accept="image/*" capture' in page.text
    links = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert links and all(u.startswith("/") and not u.startswith("//") for u in links), links  # no CDN
    for asset in ("/static/app.js", "/static/style.css"):
        r = httpx.get(server.url + asset)
        assert r.status_code == 200 and not re.search(r"https?://|url\(", r.text), asset


def test_metrics_count_requests_images_and_latency(server):
    post(server, SAMPLE_FILES[1].read_bytes())
    post(server, b"garbage")
    text = httpx.get(server.url + "/metrics").text
    assert 'mnist_edge_http_requests_total{route="/v1/predict",method="POST",status="200"}' in text
    assert 'mnist_edge_http_requests_total{route="/v1/predict",method="POST",status="422"}' in text
    assert 'mnist_edge_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"}' in text
    counts = dict(line.rsplit(" ", 1) for line in text.splitlines() if line.startswith("mnist_edge_images_total"))
    assert int(counts['mnist_edge_images_total{outcome="predicted"}']) >= 1
    assert int(counts['mnist_edge_images_total{outcome="unreadable"}']) >= 1


def test_still_serving_without_tracebacks(server):
    """Last in this file: after every refusal above, it answers, and logged no traceback."""
    r = post(server, SAMPLE_FILES[7].read_bytes())
    assert r.status_code == 200 and r.json()["results"][0]["digit"] == 7
    assert "Traceback" not in server.log_text()


def test_slow_body_is_408_and_sigterm_stops_cleanly(tmp_path):
    s = start_server(tmp_path / "server.log", "--workers", "1", env={"MNIST_EDGE_SERVE_REQUEST_SECONDS": "1"})
    try:
        url = urlsplit(s.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        conn.putrequest("POST", "/v1/predict")
        conn.putheader("Content-Length", "1000")
        conn.endheaders(b"only ten b")  # and then nothing: the server stops waiting
        r = conn.getresponse()
        assert r.status == 408 and "not received" in json.loads(r.read())["error"]
        assert httpx.get(s.url + "/healthz").status_code == 200
    finally:
        code = s.stop()
    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after its clean shutdown
    assert "Finished server process" in s.log_text() and "Traceback" not in s.log_text()


def test_module_entry_takes_the_same_options():
    out = subprocess.run([sys.executable, "-m", "mnist_edge.serve", "--workers", "0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "--workers 0: out of range" in out.stderr
    out = subprocess.run([sys.executable, "-m", "mnist_edge.serve", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and all(f in out.stdout for f in ("--host", "--port", "--model", "--threads", "--workers"))


def test_bad_model_is_one_line_and_no_server(tmp_path):
    script = Path(sys.executable).parent / "mnist-edge"
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    out = subprocess.run([str(script), "serve", "--model", str(bad), "--port", "9"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.startswith("error: ") and "Traceback" not in out.stderr
