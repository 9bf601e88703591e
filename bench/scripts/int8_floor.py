"""What keeps onnxruntime's INT8 path above the floor at batch 256, measured again (issue 14, stage 2).

What it is: on this machine, one thread: onnxruntime's per-operator profile of the shipped INT8
(and FP32) model at batch 32 and 256 (mnist_edge.bench.profile, µs per image by node), then
the exact changes tried, all taking turns in blocks on the same 256 MNIST test images
(mnist_edge.bench.loop.time_cell), --repeats times, medians of: wall p50 and the calling
thread's CPU time p50 per image (CPU time leaves out the time other processes hold the core;
both runtimes compute on the calling thread with one thread). The changes: the 256 images in
runs of 32 or 64 (the runtime's chunk: same kernels, smaller activations), session options
(QDQPropagationTransformer off; graph optimisation level EXTENDED, i.e. no NCHWc layout), and
for reference the shipped FP32 and the LiteRT INT8 twin. Every variant's logits are compared
with the shipped INT8's one-run logits (max |difference|: 0 = exact). Also: the same
10,000-image pass that eval and bulk predict make, OnnxModel.predict_logits(chunk=C).
Writes bench/results/int8_floor.json atomically. Needs only the runtime (+ the [litert] extra for
its row) and the MNIST files.
What it isn't: a test, or the quantization research (int8_variants.py, bench/INT8.md).

    python -m mnist_edge.bench.scripts.int8_floor [--data-dir DIR] [--seconds 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone

import numpy as np
import onnxruntime as ort
from mnist_edge.bench.profile import profile_paths
from mnist_edge.bench.scripts.common import RESULTS, machine, time_batch

from mnist_edge.atomic import atomic_write_text
from mnist_edge.backends import litert_installed, open_backend, shipped_path
from mnist_edge.data.mnist import load_split
from mnist_edge.model.session import OnnxModel, as_model_input

OUT = RESULTS / "int8_floor.json"
MACS_PER_IMAGE = 1_495_168  # conv1 129,600 + conv2 1,179,648 + fc1 184,320 + fc2 1,600
SESSION_VARIANTS = {
    "session: QDQPropagationTransformer off": {"optimization.disable_specified_optimizers":
                                               "QDQPropagationTransformer"},
}


def session_run(path, options: dict | None = None, level=None, chunk: int = 0):
    """A run function over the shipped model's checked session, its options changed as asked."""
    model = OnnxModel(path, threads=1)
    session = model.session
    if options or level is not None:
        so = model.session.get_session_options()
        for key, value in (options or {}).items():
            so.add_session_config_entry(key, value)
        if level is not None:
            so.graph_optimization_level = level
        session = ort.InferenceSession(model.checked.data, so, providers=["CPUExecutionProvider"])
    fetch, feed = [model.output_name], model.input_name
    if not chunk:
        return lambda x: session.run(fetch, {feed: x})[0]
    return lambda x: np.concatenate([session.run(fetch, {feed: x[i : i + chunk]})[0]
                                     for i in range(0, len(x), chunk)])


def variants() -> dict:
    int8, fp32 = shipped_path("onnxruntime", "int8"), shipped_path("onnxruntime", "fp32")
    runs = {"ORT INT8 (shipped), one run of 256": session_run(int8),
            "ORT INT8, 8 runs of 32": session_run(int8, chunk=32),
            "ORT INT8, 4 runs of 64": session_run(int8, chunk=64)}
    for name, options in SESSION_VARIANTS.items():
        runs[f"ORT INT8, {name}"] = session_run(int8, options)
    runs["ORT INT8, session: level EXTENDED (no NCHWc)"] = session_run(
        int8, level=ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    runs["ORT FP32 (shipped), one run of 256"] = session_run(fp32)
    runs["ORT FP32, 8 runs of 32"] = session_run(fp32, chunk=32)
    if litert_installed():
        runs["LiteRT INT8 (shipped twin), one run of 256"] = open_backend("litert").run
    return runs


def measure(runs: dict, x: np.ndarray, seconds: float, repeats: int) -> dict:
    reference = runs["ORT INT8 (shipped), one run of 256"](x)
    cells = [time_batch(runs, x, seconds, warmup=10) for _ in range(repeats)]
    base = "ORT INT8 (shipped), one run of 256"
    out = {}
    for label, run in runs.items():
        row = {k: float(np.median([c[label][k] for c in cells])) for k in ("wall_p50_us", "cpu_p50_us")}
        logits = np.asarray(run(x))
        row.update(img_per_s_cpu=round(1e6 / row["cpu_p50_us"]),
                   vs_shipped_int8_cpu=round(float(np.median([c[base]["cpu_p50_us"] / c[label]["cpu_p50_us"]
                                                              for c in cells])), 3),
                   max_abs_logit_diff_to_shipped_int8=float(np.abs(logits - reference).max()),
                   same_digits=bool(np.array_equal(logits.argmax(1), reference.argmax(1))))
        out[label] = {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}
        print(f"{label:<52} wall {row['wall_p50_us']:6.2f}  cpu {row['cpu_p50_us']:6.2f} us/img  "
              f"x{row['vs_shipped_int8_cpu']:.2f}  max|d| {row['max_abs_logit_diff_to_shipped_int8']:.2g}",
              flush=True)
    return out


def profiles(x: np.ndarray) -> dict:
    """Per-node kernel time of the shipped INT8 and FP32, µs per image, medians (and minima)."""
    paths = {p: str(shipped_path("onnxruntime", p)) for p in ("int8", "fp32")}
    out = {}
    for b in (32, 256):
        traces = profile_paths(paths, x[:b], 1, 200 if b <= 32 else 60)
        out[str(b)] = {label: {"kernel_us_per_image": round(1e3 * t["kernel_ms"] / b, 2),
                               "kernel_min_us_per_image": round(1e3 * t["kernel_min_ms"] / b, 2),
                               "by_node_us_per_image": {f"{n['node']} ({n['op']})": round(1e3 * n["ms"] / b, 2)
                                                        for n in t["by_node"]}}
                       for label, t in traces.items()}
    return out


def full_pass(test_images: np.ndarray, chunks=(256, 64, 32), repeats: int = 3) -> dict:
    """eval's pass over the 10,000 test images: OnnxModel.predict_logits(chunk=C), thread CPU s."""
    model = OnnxModel(shipped_path("onnxruntime", "int8"), threads=1)
    pixels = as_model_input(test_images)
    seconds: dict[int, list[float]] = {c: [] for c in chunks}
    for k in range(repeats):
        for c in (chunks if k % 2 == 0 else chunks[::-1]):
            t0 = time.thread_time()
            model.predict_logits(pixels, chunk=c)
            seconds[c].append(time.thread_time() - t0)
    return {str(c): {"cpu_s_median": round(float(np.median(s)), 4),
                     "cpu_us_per_image": round(1e6 * float(np.median(s)) / len(pixels), 2)}
            for c, s in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seconds", type=float, default=3.0, help="per repeat, all variants together")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    test = load_split("test", args.data_dir)
    x = np.ascontiguousarray(as_model_input(test.images[:256]))
    system = machine()
    report = {"schema": "mnist-edge-int8-floor", "schema_version": 1,
              "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "command": f"python -m mnist_edge.bench.scripts.int8_floor --seconds {args.seconds} "
                         f"--repeats {args.repeats}",
              "system": system, "threads": 1, "inputs": "the first 256 MNIST test images",
              "macs_per_image": MACS_PER_IMAGE,
              "profile": profiles(x),
              "variants": measure(variants(), x, args.seconds, args.repeats),
              "full_pass_10000": full_pass(test.images)}
    report["system"]["load_average_after"] = machine()["load_average"]
    atomic_write_text(OUT, json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["full_pass_10000"]))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
