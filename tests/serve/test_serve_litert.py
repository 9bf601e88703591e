"""`mnist-edge serve --backend litert`: the real server on LiteRT answers as `predict --backend
litert --json` does, /v1/model names the shipped .tflite, and XNNPACK's banner is not in the log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.serve import SAMPLES, require, start_server

httpx = require("httpx")
require("uvicorn")
pytest.importorskip("ai_edge_litert", reason="needs ai-edge-litert (the [litert] extra)")


def test_serve_on_litert(tmp_path):
    files = sorted(SAMPLES.glob("digit_*.png"))
    script = Path(sys.executable).parent / "mnist-edge"
    out = subprocess.run([str(script), "predict", "--json", "--top-k", "2", "--backend", "litert",
                          *map(str, files)], capture_output=True, text=True, timeout=300)
    expected = [json.loads(line) for line in out.stdout.splitlines()]
    server = start_server(tmp_path / "server.log", "--backend", "litert", "--workers", "2")
    try:
        model = httpx.get(server.url + "/v1/model").json()
        assert model["backend"] == "litert" and model["file"].endswith(".int8.tflite")
        assert model["card_sha256"] == "matches" and model["precision"] == "int8"
        for path, want in zip(files, expected):
            r = httpx.post(server.url + "/v1/predict?top_k=2", content=path.read_bytes(), timeout=60)
            assert r.status_code == 200, r.text
            (got,) = r.json()["results"]
            assert {**got, "file": want["file"]} == want
    finally:
        code = server.stop()
    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after its clean shutdown
    log = server.log_text()
    assert "Finished server process" in log and "XNNPACK" not in log and "Traceback" not in log
