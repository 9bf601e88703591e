"""Load test of `mnist-edge serve` against the same predictions made in-process, side by side.

What it is: one run that (1) makes small canvas PNGs like the page sends (MNIST samples drawn
dark on a white 280 x 280 canvas), (2) predicts them in-process through the Python API for a
fixed time, on 1 thread and on as many threads as the server has workers, (3) starts the
server on 127.0.0.1 (`python -m mnist_edge.serve`), warms it up, reads its RSS, (4) drives it
with a bounded number of concurrent keep-alive clients (32) for a bounded time, each POSTing
one PNG per request, and (5) reads its RSS again. Writes bench/results/serve_load.json and
.md: throughput of both (their ratio), p50/p99/max latency, errors, RSS after warm-up and
after the load, and the server's CPU seconds per image.
Targets (issue 13): server throughput >= 70% of in-process, no errors at 32 clients, RSS
after the load <= 1.1x after warm-up.
What it isn't: a test (nothing here asserts), or a load test of anything but 127.0.0.1: the
clients run on the same machine and take CPU from the server, as a phone would not.

    python -m mnist_edge.bench.scripts.serve_load [--clients 32] [--seconds 10] [--rounds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_edge.bench.scripts.common import ARTIFACTS, RESULTS as OUT, machine

SAMPLES = ARTIFACTS / "samples"
TARGETS = {"throughput_ratio": 0.7, "errors": 0, "rss_growth": 1.1}


def canvas_pngs() -> list[bytes]:
    """Each sample digit as the page sends it: black ink on a white 280 x 280 canvas, PNG."""
    pngs = []
    for path in sorted(SAMPLES.glob("digit_*.png")):
        digit = Image.open(path).convert("L").resize((200, 200), Image.BILINEAR)
        canvas = Image.new("L", (280, 280), 255)
        canvas.paste(Image.eval(digit, lambda v: 255 - v), (40, 40))
        buffer = io.BytesIO()
        canvas.convert("RGBA").save(buffer, "PNG")  # a browser canvas's toBlob is RGBA
        pngs.append(buffer.getvalue())
    return pngs


def in_process(pngs: list[bytes], threads: int, seconds: float) -> dict:
    """reader.predict(png) in a loop on `threads` threads sharing one reader, for `seconds`."""
    import mnist_edge

    reader = mnist_edge.load(threads=1)
    for png in pngs * 5:  # warm-up
        reader.predict(png)
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def loop(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            reader.predict(pngs[n % len(pngs)])
            n += 1
        counts[i] = n

    start, cpu_start = time.perf_counter(), time.process_time()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {"threads": threads, "images": sum(counts), "seconds": round(elapsed, 3),
            "images_per_s": round(sum(counts) / elapsed, 1), "cpu_ms_per_image": round(1000 * cpu / max(sum(counts), 1), 3)}


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> tuple[subprocess.Popen, float]:
    """The server process and seconds from spawn to its first /healthz answer."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "mnist_edge.serve", "--port", str(port),
                                "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
            return process, time.perf_counter() - start
        except OSError:
            time.sleep(0.05)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def request_bytes(png: bytes) -> bytes:
    return (b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
            b"Content-Length: %d\r\n\r\n" % len(png)) + png


async def client(port: int, requests: list[bytes], stop: float, latencies: list[float], errors: list[str]) -> None:
    """One keep-alive connection sending requests back to back until `stop` (a bare HTTP/1.1
    client: an HTTP library would spend the CPU this machine's server needs)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            writer.write(requests[n % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")))
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if status != 200 or b'"digit"' not in body:
                errors.append(f"{status}: {body[:120]!r}")
            n += 1
    except (OSError, asyncio.IncompleteReadError) as e:
        errors.append(f"connection: {e!r}")
    finally:
        writer.close()


async def drive(port: int, pngs: list[bytes], clients: int, seconds: float) -> dict:
    requests = [request_bytes(p) for p in pngs]
    latencies, errors = [], []
    start = time.perf_counter()
    await asyncio.gather(*(client(port, requests[i % len(requests):] + requests[: i % len(requests)],
                                  start + seconds, latencies, errors) for i in range(clients)))
    elapsed = time.perf_counter() - start
    ms = sorted(x * 1000 for x in latencies)
    return {"requests": len(ms), "seconds": round(elapsed, 3), "images_per_s": round(len(ms) / elapsed, 1),
            "errors": len(errors), "error_examples": errors[:5], "latency_ms": percentiles(ms), "latencies_ms": ms}


def run(args) -> dict:
    """Rounds alternating in-process and server phases (the machine may be shared: drift hits
    both alike); medians over the rounds, the server's latencies pooled over all of them."""
    pngs = canvas_pngs()
    port = free_port()
    server, startup_s = start_server(port, args.workers)
    one_thread, inproc, loads = [], [], []
    try:
        rss_started = rss_mib(server.pid)
        asyncio.run(drive(port, pngs, args.clients, args.warmup))  # warm-up: same traffic, not counted
        rss_warm = rss_mib(server.pid)
        cpu0 = cpu_seconds(server.pid)
        for _ in range(args.rounds):
            one_thread.append(in_process(pngs, 1, args.seconds))
            inproc.append(in_process(pngs, args.workers, args.seconds))
            loads.append(asyncio.run(drive(port, pngs, args.clients, args.seconds)))
        cpu = cpu_seconds(server.pid) - cpu0
        rss_after = rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    requests = sum(load["requests"] for load in loads)
    latencies = sorted(x for load in loads for x in load.pop("latencies_ms"))
    same = statistics.median(ip["images_per_s"] for ip in inproc)
    single = statistics.median(ip["images_per_s"] for ip in one_thread)
    served = statistics.median(load["images_per_s"] for load in loads)
    cpu_inproc = round(statistics.median(ip["cpu_ms_per_image"] for ip in one_thread + inproc), 3)
    cpu_served = 1000 * cpu / max(requests, 1)
    return {
        "schema": "mnist-edge-serve-load", "version": 1,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {**machine(), "cpus": os.cpu_count(),
                    # uvicorn picks these up when installed (not in the [serve] extra): ~0.7 ms less CPU per request
                    "uvicorn_speedups": {m: find_spec(m) is not None for m in ("uvloop", "httptools")},
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "command": " ".join(["python -m mnist_edge.bench.scripts.serve_load", *sys.argv[1:]]),
        "images": {"count": len(pngs), "kind": "280x280 RGBA canvas PNG", "mean_bytes": int(np.mean([len(p) for p in pngs]))},
        "in_process": {"one_thread_rounds": one_thread, "one_thread_median_images_per_s": single,
                       "same_threads_rounds": inproc, "same_threads_median_images_per_s": same,
                       "cpu_ms_per_image_median": cpu_inproc},
        "server": {"workers": args.workers, "clients": args.clients, "startup_s": round(startup_s, 2),
                   "rounds": loads, "median_images_per_s": served, "requests": requests,
                   "errors": sum(load["errors"] for load in loads),
                   "latency_ms": percentiles(latencies),
                   "cpu_ms_per_image": round(cpu_served, 3),
                   "rss_mib": {"started": rss_started, "after_warmup": rss_warm, "after_load": rss_after}},
        "ratios": {"throughput_vs_in_process_same_threads": round(statistics.median(per_round(inproc, loads)), 3),
                   "per_round": per_round(inproc, loads),
                   "throughput_vs_in_process_1_thread": round(statistics.median(per_round(one_thread, loads)), 3),
                   "per_round_1_thread": per_round(one_thread, loads),
                   "cpu_per_image_in_process_vs_server": round(cpu_inproc / cpu_served, 3),
                   "rss_after_load_vs_warmup": round(rss_after / rss_warm, 3)},
        "targets": TARGETS,
    }


def per_round(inproc: list[dict], loads: list[dict]) -> list[float]:
    """Server images/s over in-process images/s, each round on its own (paired: same machine state)."""
    return [round(load["images_per_s"] / ip["images_per_s"], 3) for ip, load in zip(inproc, loads)]


def percentiles(ms: list[float]) -> dict:
    """Sorted latencies in ms -> p50, p99, max, mean."""
    return {"p50": round(statistics.median(ms), 2), "p99": round(ms[int(0.99 * (len(ms) - 1))], 2),
            "max": round(ms[-1], 2), "mean": round(statistics.fmean(ms), 2)}


def markdown(r: dict) -> str:
    s, lat, ra, ip = r["server"], r["server"]["latency_ms"], r["ratios"], r["in_process"]
    lines = [f"# `mnist-edge serve` under load ({r['when']}, {r['machine']['cpus']} CPUs)", "",
             f"`{r['command']}`: {r['images']['count']} canvas PNGs ({r['images']['kind']}, ~{r['images']['mean_bytes']} bytes); "
             f"{len(s['rounds'])} rounds alternating the in-process runs (1 and {s['workers']} threads) and {s['clients']} keep-alive clients on 127.0.0.1 "
             f"against the server ({s['workers']} workers); medians of the rounds.", "",
             "| run | images/s | p50 ms | p99 ms | max ms | errors |", "| --- | ---: | ---: | ---: | ---: | ---: |",
             f"| in-process, Python API, 1 thread | {ip['one_thread_median_images_per_s']} | | | | |",
             f"| in-process, Python API, {s['workers']} threads | {ip['same_threads_median_images_per_s']} | | | | |",
             f"| server, {s['clients']} clients, {s['requests']} requests | {s['median_images_per_s']} | {lat['p50']} | {lat['p99']} | {lat['max']} | {s['errors']} |",
             "", f"- throughput vs in-process on the same threads: **{ra['throughput_vs_in_process_same_threads']:.2f}x** "
                 f"(the rounds: {', '.join(f'{x:.2f}' for x in ra['per_round'])}; vs 1 thread: "
                 f"{ra['throughput_vs_in_process_1_thread']:.2f}x; target >= {TARGETS['throughput_ratio']})",
             f"- CPU per image: {ip['cpu_ms_per_image_median']} ms in-process, {s['cpu_ms_per_image']} ms in the server "
             f"(HTTP included, clients not): **{ra['cpu_per_image_in_process_vs_server']:.2f}x** the server's capacity "
             "relative to in-process, whatever else runs on the machine",
             f"- server RSS: {s['rss_mib']['started']} MiB started, {s['rss_mib']['after_warmup']} MiB after warm-up, "
             f"{s['rss_mib']['after_load']} MiB after the load: **{ra['rss_after_load_vs_warmup']:.3f}x** (target <= {TARGETS['rss_growth']})",
             f"- server start to first answer: {s['startup_s']} s",
             f"- the clients run on the same machine and take CPU from the server; 1-min load average at the end: "
             f"{r['machine']['load_average_1min_at_end']} on {r['machine']['cpus']} CPUs."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="each timed phase (in-process runs and the load)")
    parser.add_argument("--rounds", type=int, default=3, help="in-process / server rounds, alternating")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of the same load before measuring")
    parser.add_argument("--workers", type=int, default=2, help="the server's workers and the in-process threads")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not 1 <= args.clients <= 256 or not 0 < args.seconds <= 300 or not 1 <= args.rounds <= 10:
        raise SystemExit("--clients 1..256, --seconds up to 300, --rounds 1..10: a bounded load")
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serve_load.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "serve_load.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
