"""Where the time goes inside onnxruntime: per-operator profiles of the models, side by side.

What it is: for each model, a session built with the runtime's own options (OnnxModel's,
read back with get_session_options) plus SessionOptions.enable_profiling; a few warm-up
runs, then timed runs on the same input; onnxruntime's JSON trace is parsed and each
kernel's time summed per op type and per node (as they run after onnxruntime's graph
optimisation: fused and layout-converted nodes such as QLinearConv or ReorderOutput show up
under their own names), in ms per run. The trace files live in a temporary folder.
What it isn't: the latency figures (mnist_edge.bench: profiling itself costs time, so
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
    """onnxruntime's trace events -> ms per run by op type and by node, over the last `runs` runs."""
    model_runs = sorted((e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"),
                        key=lambda e: e["ts"])[-runs:]
    if not model_runs:
        raise ValueError("the trace has no model_run events")
    start = model_runs[0]["ts"]
    by_op: dict[str, float] = defaultdict(float)
    by_node: dict[str, dict] = {}
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith(KERNEL_SUFFIX) or e["ts"] < start:
            continue
        op, node = e.get("args", {}).get("op_name", "?"), e["name"][: -len(KERNEL_SUFFIX)]
        by_op[op] += e["dur"]
        by_node.setdefault(node, {"node": node, "op": op, "ms": 0.0})["ms"] += e["dur"]
    n = len(model_runs)
    per_run = lambda us: us / n / 1e3  # noqa: E731  (trace durations are microseconds)
    nodes = sorted(by_node.values(), key=lambda d: -d["ms"])
    return {
        "runs": n,
        "run_ms": per_run(sum(e["dur"] for e in model_runs)),
        "kernel_ms": per_run(sum(by_op.values())),
        "by_op_type": {op: per_run(us) for op, us in sorted(by_op.items(), key=lambda kv: -kv[1])},
        "by_node": [{**d, "ms": per_run(d["ms"])} for d in nodes],
    }


def profile_onnx(path: str, pixels: np.ndarray, threads: int, runs: int) -> dict:
    """Profile one model file on `pixels` (one batch): parse_trace's dict."""
    import onnxruntime as ort

    from mnist_edge.runtime import OnnxModel

    model = OnnxModel(path, threads=threads)  # the checks, and the runtime's session options
    with tempfile.TemporaryDirectory(prefix="mnist-edge-profile-") as tmp:
        options = model.session.get_session_options()
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tmp, "trace"))
        session = ort.InferenceSession(str(model.path), options, providers=["CPUExecutionProvider"])
        feed, fetch = {model.input_name: np.ascontiguousarray(pixels)}, [model.output_name]
        for _ in range(WARMUP + runs):
            session.run(fetch, feed)
        trace = Path(session.end_profiling())
        events = json.loads(trace.read_text(encoding="utf-8"))
    return parse_trace(events, runs)


def profile_models(cands: list, pixels: np.ndarray, threads: int, runs: int, steps) -> dict:
    """Each onnxruntime candidate profiled at the largest batch: {batch, threads, runs, models}."""
    out = {}
    for i, cand in enumerate(cands):
        steps.at(f"profile {cand.label}", i / max(len(cands), 1))
        out[cand.label] = profile_onnx(cand.path, pixels, threads, runs)
    steps.next()
    return {"batch": int(len(pixels)), "threads": threads, "runs": runs,
            "note": "kernel time per run from onnxruntime's profiler, after its graph optimisation",
            "models": out}
