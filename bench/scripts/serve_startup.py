"""Start-up time and memory of the server stack: why `mnist-edge serve` is Starlette on uvicorn.

What it is: starts, alternately and several times, each variant as a process on 127.0.0.1,
and takes the seconds from spawn to its first /healthz answer and its resident memory (VmRSS)
then; writes the medians to bench/results/serve_startup.json (+ .md). Variants, all holding
the same loaded model (mnist_edge.load()):
  floor     the standard library's http.server answering /healthz (no ASGI stack at all)
  starlette `python -m mnist_edge.serve` (the shipped server, without the typer CLI)
  cli       `mnist-edge serve` (the same server through typer, which imports pydantic)
  fastapi   the same routes' shape on FastAPI (UploadFile endpoint) + uvicorn, if --fastapi-path
            (a folder with fastapi installed, e.g. `pip install --target DIR fastapi`) is given
What it isn't: a load test (mnist_edge.bench.scripts.serve_load) or a test.

    python -m mnist_edge.bench.scripts.serve_startup [--runs 5] [--fastapi-path DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from mnist_edge.bench.scripts.common import RESULTS as OUT, machine

FLOOR = """
import sys, http.server, mnist_edge
reader = mnist_edge.load()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""
FASTAPI = """
import sys, uvicorn, mnist_edge
from fastapi import FastAPI, UploadFile
reader = mnist_edge.load()
app = FastAPI()
@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
@app.post("/v1/predict")
def predict(image: list[UploadFile], top_k: int = 1) -> dict:
    return {"results": [p.to_dict() for p in reader.predict_many([f.file.read() for f in image], top_k=top_k)]}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def commands(fastapi_path: Path | None) -> dict[str, tuple[list[str], dict]]:
    py, env = sys.executable, dict(os.environ)
    variants = {
        "floor": ([py, "-c", FLOOR, "{port}"], env),
        "starlette": ([py, "-m", "mnist_edge.serve", "--port", "{port}"], env),
        "cli": ([str(Path(py).parent / "mnist-edge"), "serve", "--port", "{port}"], env),
    }
    if fastapi_path:
        path = os.pathsep.join(filter(None, [str(fastapi_path), env.get("PYTHONPATH")]))
        variants["fastapi"] = ([py, "-c", FASTAPI, "{port}"], {**env, "PYTHONPATH": path})
    return variants


def measure(argv: list[str], env: dict) -> dict:
    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen([a.replace("{port}", str(port)) for a in argv], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{argv[:3]} exited: {process.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
                break
            except OSError:
                time.sleep(0.02)
        seconds = time.perf_counter() - start
        status = dict(line.split(":", 1) for line in Path(f"/proc/{process.pid}/status").read_text().splitlines())
        return {"seconds": seconds, "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
                "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024}
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fastapi-path", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    variants = commands(args.fastapi_path)
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for i in range(args.runs):
        order = list(variants) if i % 2 == 0 else list(reversed(variants))  # ABC, CBA: drift hits all alike
        for name in order:
            runs[name].append(measure(*variants[name]))
    medians = {name: {key: round(statistics.median(r[key] for r in rs), 3) for key in rs[0]} for name, rs in runs.items()}
    floor = medians["floor"]
    result = {"schema": "mnist-edge-serve-startup", "version": 1,
              "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "command": " ".join(["python -m mnist_edge.bench.scripts.serve_startup", *sys.argv[1:]]),
              "machine": machine(), "cpus": os.cpu_count(),
              "load_average_1min_at_end": round(os.getloadavg()[0], 2), "runs": args.runs, "median": medians,
              "over_floor": {name: {"seconds": round(m["seconds"] - floor["seconds"], 3),
                                    "rss_mib": round(m["rss_mib"] - floor["rss_mib"], 1)} for name, m in medians.items()}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serve_startup.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Server start-up and memory ({result['when']}, {result['cpus']} CPUs, median of {args.runs})", "",
             f"`{result['command']}`", "", "| variant | spawn to first answer, s | RSS then, MiB | over the floor: s | MiB |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, m in medians.items():
        o = result["over_floor"][name]
        lines.append(f"| {name} | {m['seconds']:.2f} | {m['rss_mib']:.1f} | {o['seconds']:+.2f} | {o['rss_mib']:+.1f} |")
    (args.out / "serve_startup.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
