"""Where the time goes inside onnxruntime: per-operator profiles of the models, side by side.

What it is: for each model, a session built with the runtime's own options (OnnxModel's,
read back with get_session_options) plus SessionOptions.enable_profiling; the models take
turns run by run (warm-up runs, then timed runs on the same input), so load from other
processes hits all alike; onnxruntime's JSON traces are parsed: each node's median kernel
time per run, summed per op type (nodes as they run after onnxruntime's graph optimisation:
fused and layout-converted nodes such as QLinearConv or ReorderOutput show up under their
own names). The trace files live in a temporary folder.
What it isn't: the latency figures (mnist_edge.bench.run: profiling itself costs time, so
these numbers only say how the time splits) or a profiler of Python code.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

WARMUP = 5
KERNEL_SUFFIX = "_kernel_time"


def parse_trace(events: list[dict], runs: int) -> dict:
    """onnxruntime's trace events -> ms per run by op type and by node, over the last `runs` runs.

    Each node's time is its median over those runs (a run slowed by another process does not
    count more than once), and its minimum (min_ms: the undisturbed cost, the steadiest figure
    on a busy machine); an op type's time is the sum of its nodes' medians.
    """
    model_runs = sorted((e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"),
                        key=lambda e: e["ts"])[-runs:]
    if not model_runs:
        raise ValueError("the trace has no model_run events")
    start = model_runs[0]["ts"]
    per_node: dict[str, list[float]] = defaultdict(list)
    op_of: dict[str, str] = {}
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith(KERNEL_SUFFIX) or e["ts"] < start:
            continue
        node = e["name"][: -len(KERNEL_SUFFIX)]
        op_of[node] = e.get("args", {}).get("op_name", "?")
        per_node[node].append(e["dur"] / 1e3)  # trace durations are microseconds
    nodes = sorted(({"node": n, "op": op_of[n], "ms": float(np.median(d)), "min_ms": float(np.min(d))}
                    for n, d in per_node.items()), key=lambda d: -d["ms"])
    by_op: dict[str, float] = defaultdict(float)
    for d in nodes:
        by_op[d["op"]] += d["ms"]
    return {
        "runs": len(model_runs),
        "run_ms": float(np.median([e["dur"] for e in model_runs])) / 1e3,
        "kernel_ms": sum(d["ms"] for d in nodes),
        "kernel_min_ms": sum(d["min_ms"] for d in nodes),
        "by_op_type": dict(sorted(by_op.items(), key=lambda kv: -kv[1])),
        "by_node": nodes,
    }


def profile_paths(paths: dict[str, str], pixels: np.ndarray, threads: int, runs: int,
                  tick=lambda fraction: None) -> dict[str, dict]:
    """Profile model files on `pixels` (one batch), the models taking turns run by run: {label: parse_trace}."""
    import onnxruntime as ort

    from mnist_edge.model.session import OnnxModel

    x = np.ascontiguousarray(pixels)
    with tempfile.TemporaryDirectory(prefix="mnist-edge-profile-") as tmp:
        sessions = {}
        for i, (label, path) in enumerate(paths.items()):
            model = OnnxModel(path, threads=threads)  # the checks, and the runtime's session options
            options = model.session.get_session_options()
            options.enable_profiling = True
            options.profile_file_prefix = str(Path(tmp, f"trace{i}"))
            session = ort.InferenceSession(str(model.path), options, providers=["CPUExecutionProvider"])
            sessions[label] = (session, [model.output_name], {model.input_name: x})
        order = list(sessions.values())
        for k in range(WARMUP + runs):
            for session, fetch, feed in order:
                session.run(fetch, feed)
            order.reverse()
            tick((k + 1) / (WARMUP + runs))
        traces = {label: Path(s.end_profiling()) for label, (s, _, _) in sessions.items()}
        return {label: parse_trace(json.loads(t.read_text(encoding="utf-8")), runs) for label, t in traces.items()}


def profile_models(cands: list, pixels: np.ndarray, threads: int, runs: int, steps) -> dict:
    """The onnxruntime candidates profiled at the largest batch: {batch, threads, runs, note, models}."""
    models = profile_paths({c.label: c.path for c in cands}, pixels, threads, runs,
                           lambda f: steps.at("profiles", f))
    steps.next()
    return {"batch": int(len(pixels)), "threads": threads, "runs": runs,
            "note": "median kernel time per run from onnxruntime's profiler, after its graph optimisation; "
                    "the models take turns run by run",
            "models": models}
