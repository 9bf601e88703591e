"""Regenerate the README's performance table on this machine, from scratch, from the shipped models.

What it is: runs the real `mnist-edge bench` on the shipped models in artifacts/ (train-free;
or the export in --models-dir) on every installed runtime (onnxruntime, LiteRT, OpenVINO), with
per-operator profiles, into bench/results/bench.json; then a bare `session.run` loop on
each model at batch 1 (one thread, the runtime's own session) to check the bench's own
overhead, into bench/results/overhead.json; then writes the markdown table with the machine
described (bench/results/bench.md) and puts it between the markers
<!-- bench-table:start --> and <!-- bench-table:end --> of bench/README.md and of README.md
(where they are). All files are written atomically. On a Raspberry Pi: the defaults take
about two minutes; --seconds shortens the steady-state part.
What it isn't: the INT8 research (bench/scripts/int8_variants.py) or a test.

    python -m mnist_edge.bench.scripts.regenerate [--seconds 60] [--data-dir DIR] [--checkpoint runs/train/checkpoint.pt]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from mnist_edge.bench.backends import display
from mnist_edge.bench.scripts.common import REPO, splice
from mnist_edge.bench.stats import percentile

from mnist_edge.atomic import atomic_write_text
from mnist_edge.backends import litert_installed
from mnist_edge.contract import CARD_JSON, MODEL_FILES, TFLITE_FILES
from mnist_edge.model.session import OnnxModel

RESULTS = REPO / "bench" / "results"
BARE_ROUNDS, BARE_BLOCK_S = 20, 0.25


def run_bench(args) -> dict:
    """`mnist-edge bench` through its console script; returns the JSON report it wrote."""
    out = RESULTS / "bench.json"
    cli = Path(sys.executable).parent / "mnist-edge"
    kinds = (MODEL_FILES, TFLITE_FILES) if litert_installed() else (MODEL_FILES,)
    models = [str(Path(args.models_dir, files[p])) for files in kinds for p in ("fp32", "int8")
              if Path(args.models_dir, files[p]).is_file()] if args.models_dir else []
    cmd = [str(cli), "bench", *models, "--seconds", str(args.seconds), "--cold-starts", "5", "--profile",
           "--json", str(out.relative_to(REPO))]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    if args.checkpoint:
        cmd += ["--torch", "--checkpoint", args.checkpoint]
    print("$ mnist-edge " + " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)
    return json.loads(out.read_text())


def bare_p50_ms(paths: list[Path], x: np.ndarray) -> dict[str, float]:
    """p50 of a bare `session.run` loop per model (one thread), the models in turns of BARE_BLOCK_S."""
    sessions = {p.name: OnnxModel(p, threads=1) for p in paths}
    times: dict[str, list[float]] = {name: [] for name in sessions}
    for k in range(BARE_ROUNDS):
        for name, model in (sessions.items() if k % 2 == 0 else reversed(sessions.items())):
            run, feed, fetch = model.session.run, {model.input_name: x}, [model.output_name]
            for _ in range(20):  # warm-up of this block
                run(fetch, feed)
            end = time.perf_counter() + BARE_BLOCK_S
            while True:
                t0 = time.perf_counter()
                run(fetch, feed)
                t1 = time.perf_counter()
                times[name].append(t1 - t0)
                if t1 > end:
                    break
    return {name: 1e3 * percentile(t, 50) for name, t in times.items()}


def overhead(report: dict) -> dict:
    """The bench's batch-1 p50 (1 thread) over the bare loop's, per model; target <= 1.2."""
    x = np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32)
    models = [m for m in report["models"] if m["kind"] == "onnxruntime"]
    bare = bare_p50_ms([Path(m["path"]) for m in models], x)
    rows = {}
    for m in models:
        bench_p50 = next(r["latency_ms"]["p50"] for r in report["results"]
                         if r["model"] == m["label"] and r["threads"] == 1 and r["batch"] == 1)
        name = Path(m["path"]).name
        rows[m["label"]] = {"bench_p50_ms": bench_p50, "bare_loop_p50_ms": bare[name],
                            "ratio": bench_p50 / bare[name]}
    return {"target": "bench batch-1 p50 <= 1.2x a bare session.run loop, same model, same session options",
            "bare_loop": f"{BARE_ROUNDS} rounds of {BARE_BLOCK_S} s blocks per model, models in turns",
            "models": rows}


def card_accuracy(report: dict) -> dict[str, float]:
    """file name -> test accuracy, from the model_card.json beside the benchmarked models."""
    card = Path(report["models"][0]["path"]).parent / CARD_JSON
    if not card.is_file():
        return {}
    models = json.loads(card.read_text()).get("models", {})
    return {name: entry.get("test_accuracy") for name, entry in models.items()}


def fmt_ips(v: float) -> str:
    return f"{v:,.0f}"


def load(system: dict) -> str:
    before, after = system.get("load_average"), system.get("load_average_after")
    if not (before and after):
        return "load average unknown"
    return f"1-minute load average {before[0]:.2f} before, {after[0]:.2f} after"


def model_row(m: dict, accuracy: float | None) -> str:
    accuracy = m.get("accuracy", accuracy)  # measured by the bench on the test set, else the card's
    cold = m.get("cold_start") or {}
    start = process = rss = "-"
    if cold:
        start = " + ".join(f"{1e3 * cold[k]:.0f}" for k in ("import_s", "session_s", "first_run_s"))
        process, rss = f"{1e3 * cold['process_s']:.0f}", f"{cold['peak_rss_bytes'] / 2**20:.0f}"
    acc = f"{100 * accuracy:.2f}%" if accuracy else "-"
    return f"| {display(m)} | {m['file_bytes'] / 1024:.0f} KiB | {acc} | {start} | {process} | {rss} |"


def table(report: dict, over: dict) -> str:
    """The README's performance section body: machine, table, ratios, overhead, how measured."""
    s, settings = report["system"], report["settings"]
    flags = " ".join(k for k, v in s["cpu_flags"].items() if v) or "none of the listed"
    board = f", {s['board']}" if s.get("board") else ""
    acc = card_accuracy(report)
    res = {(r["model"], r["threads"], r["batch"]): r for r in report["results"]}
    labels = [m["label"] for m in report["models"]]
    lines = [f"Measured {report['created_utc']} on **{s['cpu']}{board}** ({s['machine']}, "
             f"{s['usable_cores']} usable cores; flags: {flags}), {s['os']}, Python {s['python']}, "
             f"{runtimes(report)}; {load(s)}; inputs: "
             f"{'MNIST test images' if report['inputs']['source'] == 'mnist-test' else 'random pixels'}. "
             f"Command: `{report['command']}`. Models: "
             + ", ".join(dict.fromkeys(f"`{m['path']}` (SHA-256 {m['sha256'][:12]}...)"
                                       for m in report["models"] if m["kind"] != "torch")) + ".", ""]
    head = ["model", "threads", "batch-1 p50 / p90 / p99 (ms)"] + [f"img/s @ batch {b}" for b in settings["batches"]]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    names = {m["label"]: display(m) for m in report["models"]}
    for label in labels:
        for t in settings["threads"]:
            one = res.get((label, t, 1))
            lat = " / ".join(f"{one['latency_ms'][k]:.3f}" for k in ("p50", "p90", "p99")) if one else "-"
            ips = [fmt_ips(res[(label, t, b)]["throughput_ips"]) for b in settings["batches"]]
            lines.append(f"| {names[label]} | {t} | {lat} | " + " | ".join(ips) + " |")
    lines += ["", "| model | file | test accuracy | cold start: import + session + 1st run (ms) | process (ms) "
              "| peak RSS (MiB) |", "|---|---:|---:|---:|---:|---:|"]
    for m in report["models"]:
        lines.append(model_row(m, acc.get(Path(m["path"]).name) if m["kind"] != "torch" else None))
    lines += side_by_side(report, res)
    ratios = [q for q in report["ratios"] if q["model"] == "int8"]
    if ratios:
        lines += ["", "INT8 / FP32: " + "; ".join(
            f"{q['threads']} thread{'s' if q['threads'] > 1 else ''} batch {q['batch']}: "
            f"{q['throughput']:.2f}x throughput" + (f", {q['latency_p50']:.2f}x p50" if q["batch"] == 1 else "")
            for q in ratios) + "."]
    lines += ["", "Bench overhead (batch-1 p50 of `mnist-edge bench` / bare `session.run` loop, 1 thread): "
              + ", ".join(f"{k.upper()} {v['ratio']:.2f}x" for k, v in over["models"].items()) + " (target <= 1.2x).",
              "", f"Steady state: {settings['warmup']} warm-up runs, then the models take turns in ~50 ms blocks "
              f"for {settings['seconds']:.0f} s in all; throughput = batch / median run time. Cold start: median "
              f"of {settings['cold_starts']} fresh processes (warm file cache). Full data: `bench/results/bench.json`."]
    return "\n".join(lines) + "\n"


def runtimes(report: dict) -> str:
    """'onnxruntime 1.32.0 (CPUExecutionProvider), ai-edge-litert 2.3.0, openvino 2026.4.1'."""
    s, found = report["system"], report.get("runtimes") or {}
    others = [f"{k} {v}" for k, v in found.items() if k not in ("mnist_edge", "python", "onnxruntime")
              and v != "absent"]
    return ", ".join([f"onnxruntime {s['onnxruntime']} ({s['execution_provider']})", *others])


def side_by_side(report: dict, res: dict) -> list[str]:
    """One thread, each row against onnxruntime INT8 (the shipped default): batch-1 p50 and the
    largest batch's throughput; empty without an onnxruntime INT8 row or a second runtime."""
    base = "int8"
    big = max(report["settings"]["batches"])
    if (base, 1, 1) not in res or (base, 1, big) not in res or len({m["kind"] for m in report["models"]}) < 2:
        return []
    b1, bb = res[(base, 1, 1)]["latency_ms"]["p50"], res[(base, 1, big)]["throughput_ips"]
    out = ["", f"Runtimes side by side, 1 thread, against onnxruntime INT8 (>1 = faster): "
           f"batch-1 p50 latency and batch-{big} throughput.", "",
           f"| model | batch-1 p50 (µs) | img/s @ batch {big} | batch 1 vs ORT INT8 | batch {big} vs ORT INT8 |",
           "|---|---:|---:|---:|---:|"]
    for m in report["models"]:
        one, many = res.get((m["label"], 1, 1)), res.get((m["label"], 1, big))
        if one and many:
            p50, ips = one["latency_ms"]["p50"], many["throughput_ips"]
            out.append(f"| {display(m)} | {1e3 * p50:.1f} | {fmt_ips(ips)} | {b1 / p50:.2f}x | {ips / bb:.2f}x |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="steady-state budget of mnist-edge bench")
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_EDGE_DATA_DIR"))
    parser.add_argument("--checkpoint", default=None, help="also a torch eager row (needs torch)")
    parser.add_argument("--models-dir", default=None,
                        help="folder of an export (mnist_cnn.onnx, mnist_cnn.int8.onnx); default: the shipped models")
    parser.add_argument("--from-json", action="store_true",
                        help="measure nothing: rewrite the table from bench/results/bench.json and overhead.json")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.from_json:  # only redo the table from the last run's files
        report = json.loads((RESULTS / "bench.json").read_text())
        over = json.loads((RESULTS / "overhead.json").read_text())
    else:
        report = run_bench(args)
        over = overhead(report)
        atomic_write_text(RESULTS / "overhead.json", json.dumps(over, indent=2) + "\n")
    body = table(report, over)
    atomic_write_text(RESULTS / "bench.md", body)
    spliced = [str(p.relative_to(REPO)) for p in (REPO / "bench" / "README.md", REPO / "README.md") if splice(p, "bench-table", body)]
    print(body)
    print(f"wrote bench/results/bench.json, overhead.json, bench.md; table updated in: {', '.join(spliced) or 'nothing'}")


if __name__ == "__main__":
    main()
