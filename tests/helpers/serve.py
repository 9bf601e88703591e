"""The real server for tests/serve: `mnist-edge serve --port FREE` in a subprocess on 127.0.0.1,
and require(), the skip (a failure in CI) for tests of the [serve] and [serve-test] extras."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "artifacts" / "samples"
EXTRA_HINT = "pip install -e '.[serve,serve-test]'"


def require(module: str):
    """The module, or a skip naming the extra (a failure in CI, which must run these tests)."""
    try:
        return __import__(module)
    except ImportError:
        message = f"needs {module} from the [serve]/[serve-test] extras: {EXTRA_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message, allow_module_level=True)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    script = Path(sys.executable).parent / "mnist-edge"
    out = log.open("w")
    process = subprocess.Popen([str(script), "serve", "--port", str(port), *args], stdout=out,
                               stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 120  # a cold import on a busy 2-core machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=5):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not answer within 120 s:\n{server.log_text()}")
