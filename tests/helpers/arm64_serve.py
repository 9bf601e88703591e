"""Start `mnist-edge serve` on 127.0.0.1, get one prediction from it, stop it with SIGTERM.

What it is: a tiny script run inside the emulated Raspberry Pi (scripts/arm64.py's `serve`
step): the server runs as `python -m mnist_edge.serve` of the installed wheel (the [serve]
extra), the sample PNG goes to POST /v1/predict as a raw body, and the script prints one JSON
line: the response, the seconds until /healthz answered, the server's exit code after SIGTERM
(uvicorn re-raises the signal after its clean shutdown, so -15 is a clean stop too) and
whether its log says the shutdown finished. It needs only the standard library besides the server itself.
What it isn't: the API tests (tests/serve run them on x86) or a timing of a Pi.

Usage: python arm64_serve.py IMAGE.png PORT
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 600) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as reply:
                if reply.status == 200:
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"no answer from {url}/healthz after {timeout} s")


def main(image: str, port: str) -> None:
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile("w+")
    server = subprocess.Popen([sys.executable, "-P", "-m", "mnist_edge.serve", "--host",
                               "127.0.0.1", "--port", port], stdout=log, stderr=subprocess.STDOUT)
    try:
        started_s = wait_healthy(url, server)
        with open(image, "rb") as f:
            request = urllib.request.Request(url + "/v1/predict", data=f.read(), method="POST",
                                             headers={"Content-Type": "image/png"})
        with urllib.request.urlopen(request, timeout=120) as reply:
            answer = json.loads(reply.read())
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=120)
    log.seek(0)
    text = log.read()
    print(json.dumps({"response": answer, "started_s": round(started_s, 1), "exit_code": code,
                      "finished": "Finished server process" in text, "traceback": "Traceback" in text}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
