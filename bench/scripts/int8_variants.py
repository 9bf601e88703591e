"""The INT8 research of bench/INT8.md, rerunnable: quantization variants of one FP32 model, side by side.

What it is: builds each INT8 variant of the FP32 model with the project's own quantizer
(mnist_edge.export.quantize, ExportConfig settings; the "no Relu move" variants patch out
int8_graph.pool_before_relu), optionally with onnxruntime session options on top; then
measures on this machine, all variants and the FP32 baseline taking turns in one process
(mnist_edge.benchloop.time_cell): throughput at batch 256 and p50 latency at batch 1, one
thread; accuracy and agreement with FP32 on the 10,000 MNIST test images; per-operator
profiles of the key variants. Writes bench/results/int8_variants.json and .md (atomically).
What it isn't: a test, or the benchmark of the shipped models (bench/scripts/regenerate.py).
Needs the [train] extra (onnx, onnxruntime.quantization) and the MNIST files.

    python -m mnist_edge.bench.scripts.int8_variants [--fp32 artifacts/mnist_cnn.onnx] [--data-dir DIR] [--seconds 120]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
import onnxruntime as ort
from mnist_edge.bench.loop import time_cell
from mnist_edge.bench.profile import profile_paths
from mnist_edge.bench.scripts.common import REPO
from mnist_edge.bench.stats import summarize
from mnist_edge.bench.sysinfo import system_info
from mnist_edge.export.config import ExportConfig
from mnist_edge.model.check import sha256_of
from mnist_edge.export.quantize import quantize_int8

from mnist_edge.atomic import atomic_write_text
from mnist_edge.contract import MODEL_FILES
from mnist_edge.data.mnist import load_split
from mnist_edge.model.session import OnnxModel, as_model_input

OLD = ExportConfig(fp32_first_conv=False, float_logits=False)  # onnxruntime's defaults (the old export)
NEW = ExportConfig()  # the project's defaults
NO_PROPAGATION = {"optimization.disable_specified_optimizers": "QDQPropagationTransformer"}
# name -> (what it is, ExportConfig, move the Relu behind the MaxPool?, session options)
VARIANTS = {
    "qdq-u8s8 (old default)": ("QDQ, u8 activations, s8 per-channel weights, MinMax; everything quantized", OLD, True, {}),
    "qoperator": ("as old default, QOperator format", replace(OLD, quant_format="QOperator"), True, {}),
    "u8u8": ("as old default, u8 weights", replace(OLD, weight_type="QUInt8"), True, {}),
    "s8s8": ("as old default, s8 activations", replace(OLD, activation_type="QInt8"), True, {}),
    "reduce-range": ("as old default, 7-bit weights", replace(OLD, reduce_range=True), True, {}),
    "fp32 conv1": ("old default, first conv excluded (nodes_to_exclude)", replace(OLD, fp32_first_conv=True), False, {}),
    "fp32 conv1 + no QDQ propagation": ("same file, session option disabling QDQPropagationTransformer",
                                        replace(OLD, fp32_first_conv=True), False, NO_PROPAGATION),
    "fp32 conv1 + Relu after pool": ("first conv excluded, its Relu moved behind its MaxPool",
                                     replace(OLD, fp32_first_conv=True), True, {}),
    "new default": ("fp32 conv1 + Relu after pool + float logits (mnist-edge export --quantize)", NEW, True, {}),
    "new + qoperator": ("new default, QOperator format", replace(NEW, quant_format="QOperator"), True, {}),
    "new + s8s8": ("new default, s8 activations", replace(NEW, activation_type="QInt8"), True, {}),
    "new + u8u8": ("new default, u8 weights", replace(NEW, weight_type="QUInt8"), True, {}),
    "new + per-tensor": ("new default, one weight scale per tensor", replace(NEW, per_channel=False), True, {}),
    "new + reduce-range": ("new default, 7-bit weights", replace(NEW, reduce_range=True), True, {}),
    "new, NCHWc off": ("new default, session option disabling NchwcTransformer", NEW, True,
                       {"optimization.disable_specified_optimizers": "NchwcTransformer"}),
    "new, level EXTENDED": ("new default, graph optimization level ORT_ENABLE_EXTENDED", NEW, True,
                            {"level": "ORT_ENABLE_EXTENDED"}),
}
PROFILED = ("qdq-u8s8 (old default)", "fp32 conv1", "new default")


def variant_key(cfg: ExportConfig, move_relu: bool) -> str:
    """Variants with the same quantization and graph share one file."""
    return json.dumps([cfg.quantization(), move_relu], sort_keys=True)


def build(fp32: Path, train_u8: np.ndarray, cfg: ExportConfig, move_relu: bool, out: Path) -> Path:
    patch = nullcontext() if move_relu else mock.patch(
        "mnist_edge.export.quantize.pool_before_relu", lambda proto, conv: False)
    with patch:
        proto = quantize_int8(fp32, train_u8, cfg.checked())
    out.write_bytes(proto.SerializeToString())
    return out


def session(path: Path, options: dict[str, str]) -> ort.InferenceSession:
    """The runtime's own session options (OnnxModel, one thread), plus `options`."""
    model = OnnxModel(path, threads=1)
    if not options:
        return model.session
    so = model.session.get_session_options()
    for key, value in options.items():
        if key == "level":
            so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, value)
        else:
            so.add_session_config_entry(key, value)
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def logits(sess: ort.InferenceSession, pixels: np.ndarray, chunk: int = 256) -> np.ndarray:
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: pixels[i : i + chunk]})[0] for i in range(0, len(pixels), chunk)])


def timings(sessions: dict[str, ort.InferenceSession], pixels: np.ndarray, batch: int, seconds: float) -> dict:
    """All sessions taking turns at one batch size: {name: summary}."""
    x = np.ascontiguousarray(pixels[:batch])
    runs = [lambda x, s=s: s.run(None, {s.get_inputs()[0].name: x}) for s in sessions.values()]
    times = time_cell(runs, x, warmup=10, budget_s=seconds, max_runs=0)
    return {name: summarize(t, batch) for name, t in zip(sessions, times)}


def markdown(result: dict) -> str:
    s = result["system"]
    lines = [f"INT8 variants of `{result['fp32_model']['path']}` on {s['cpu']} ({s['machine']}, "
             f"{s['usable_cores']} cores, flags: {' '.join(k for k, v in s['cpu_flags'].items() if v)}), "
             f"onnxruntime {s['onnxruntime']}, 1 thread; FP32: {result['fp32']['b256_ips']:,.0f} images/s "
             f"at batch 256, batch-1 p50 {1e3 * result['fp32']['b1_p50_ms']:.1f} us, accuracy "
             f"{100 * result['fp32']['accuracy']:.2f}%. Ratios are INT8 / FP32 (throughput: higher is "
             "better; p50: lower is better).", "",
             "| variant | batch-256 throughput vs FP32 | batch-1 p50 vs FP32 | accuracy | agrees with FP32 "
             "| max abs logit diff | KiB |", "|---|---:|---:|---:|---:|---:|---:|"]
    for v in result["variants"]:
        lines.append(f"| {v['name']} | {v['b256_throughput_ratio']:.2f}x | {v['b1_p50_ratio']:.2f}x | "
                     f"{100 * v['accuracy']:.2f}% | {100 * v['agreement']:.2f}% | {v['max_abs_logit_diff']:.3f} "
                     f"| {v['file_bytes'] / 1024:.0f} |")
    lines += ["", "Per-operator time at batch 256, 1 thread, ms per run (onnxruntime profiler, after its "
              "graph optimisation; median per node, the models in turns):", ""]
    for name, p in result["profiles"].items():
        ops = ", ".join(f"{op} {ms:.2f}" for op, ms in p["by_op_type"].items())
        nodes = ", ".join(f"`{d['node']}` ({d['op']}) {d['ms']:.2f} (min {d['min_ms']:.2f})" for d in p["by_node"][:7])
        lines.append(f"- **{name}** (all kernels {p['kernel_ms']:.2f} ms, sum of minima {p['kernel_min_ms']:.2f}): "
                     f"{ops}. Slowest nodes, median (minimum): {nodes}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fp32", type=Path, default=REPO / "artifacts" / MODEL_FILES["fp32"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seconds", type=float, default=120.0, help="budget of the batch-256 cell (batch 1: half)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    train, test = load_split("train", args.data_dir), load_split("test", args.data_dir)
    pixels = as_model_input(test.images)
    with tempfile.TemporaryDirectory(prefix="int8-variants-") as tmp:
        sessions = {"fp32": session(args.fp32, {})}
        paths = {}
        for i, (name, (_, cfg, move_relu, options)) in enumerate(VARIANTS.items()):
            key = variant_key(cfg, move_relu)
            if key not in paths:
                paths[key] = build(args.fp32, train.images, cfg, move_relu, Path(tmp, f"v{i}.onnx"))
            sessions[name] = session(paths[key], options)
            print(f"built {name}", flush=True)
        ref = logits(sessions["fp32"], pixels)
        b256 = timings(sessions, pixels, 256, args.seconds)
        b1 = timings(sessions, pixels, 1, args.seconds / 2)
        fp32 = {"accuracy": float(np.mean(ref.argmax(1) == test.labels)),
                "b256_ips": b256["fp32"]["throughput_ips"], "b1_p50_ms": b1["fp32"]["latency_ms"]["p50"]}
        variants = []
        for name, (what, cfg, move_relu, options) in VARIANTS.items():
            got = logits(sessions[name], pixels)
            variants.append({
                "name": name, "what": what, "quantization": cfg.quantization(), "relu_after_pool": move_relu,
                "session_options": options, "file_bytes": paths[variant_key(cfg, move_relu)].stat().st_size,
                "accuracy": float(np.mean(got.argmax(1) == test.labels)),
                "agreement": float(np.mean(got.argmax(1) == ref.argmax(1))),
                "max_abs_logit_diff": float(np.abs(got - ref).max()),
                "b256_ips": b256[name]["throughput_ips"], "b1_p50_ms": b1[name]["latency_ms"]["p50"],
                "b256_throughput_ratio": b256[name]["throughput_ips"] / fp32["b256_ips"],
                "b1_p50_ratio": b1[name]["latency_ms"]["p50"] / fp32["b1_p50_ms"]})
            print(f"{name:34s} b256 {variants[-1]['b256_throughput_ratio']:.2f}x  b1 p50 "
                  f"{variants[-1]['b1_p50_ratio']:.2f}x  acc {variants[-1]['accuracy']:.4f}", flush=True)
        profiled = {"fp32": str(args.fp32)}
        for name in PROFILED:
            _, cfg, move_relu, _ = VARIANTS[name]
            profiled[name] = str(paths[variant_key(cfg, move_relu)])
        profiles = profile_paths(profiled, pixels[:256], threads=1, runs=200)
    result = {"system": system_info(), "fp32_model": {"path": str(args.fp32.relative_to(REPO))
                                                      if args.fp32.is_relative_to(REPO) else str(args.fp32),
                                                      "sha256": sha256_of(args.fp32)},
              "settings": {"threads": 1, "b256_seconds": args.seconds, "b1_seconds": args.seconds / 2,
                           "calibration": "first 1000 MNIST training images, MinMax",
                           "timing": "all variants and FP32 in turns in one process; medians"},
              "fp32": fp32, "variants": variants, "profiles": profiles}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "int8_variants.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "int8_variants.md", markdown(result))
    print(f"wrote {args.out / 'int8_variants.json'} and .md")


if __name__ == "__main__":
    main()
