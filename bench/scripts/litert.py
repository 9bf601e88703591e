"""LiteRT beside onnxruntime on this machine: the shipped ONNX models and their LiteRT twins, side by side.

What it is: rebuilds the report CNN in torch from the shipped FP32 ONNX file's weights (the
checkpoint is not shipped; the rebuilt model reproduces the ONNX logits), converts it with
mnist_edge.export.tflite (litert-torch FP32; ai-edge-quantizer full INT8 calibrated on the
same first 1,000 training images as the ONNX INT8), checks parity (max |logit difference|
on 1,000 test images) and accuracy on the 10,000 test images, then times the models taking
turns in blocks (mnist_edge.benchloop.time_cell, one thread, the same test images) at each
batch, --repeats times, reporting medians over the repeats of: wall p50, wall minimum, and
the calling thread's CPU time p50 (both runtimes compute on the calling thread with one
thread; CPU time leaves out the time the process waits while other processes run on a
busy machine, which at batch 256 can be more than the run itself). Also: onnxruntime's
per-operator profile of the shipped models at batch 32 and 256 (mnist_edge.bench.profile), and
the exact graph change tried on the ONNX INT8 (conv1 as a depthwise conv, see bench/INT8.md).
Writes bench/results/litert.json atomically.
What it isn't: a test, or `mnist-edge bench` (stage 2 of issue 14 adds --backend there).
Needs [train] + [tflite] (see pyproject.toml) and the MNIST files.

    python bench/litert.py [--data-dir DIR] [--seconds 4] [--repeats 4] [--batches 1,32,256]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import helper, numpy_helper

from mnist_edge.atomic import atomic_write_text
from mnist_edge.backends.litert import LiteRTBackend
from mnist_edge.bench.scripts.common import time_batch
from mnist_edge.data.mnist import load_split
from mnist_edge.export.config import ExportConfig
from mnist_edge.model.check import sha256_of
from mnist_edge.export.int8_graph import first_conv
from mnist_edge.export.quantize import quantize_int8
from mnist_edge.export.tflite import converter_versions, convert_fp32, quantize_int8 as tflite_int8
from mnist_edge.export.tflite_graph import dynamic_batch
from mnist_edge.model.check import shipped_model
from mnist_edge.bench.profile import profile_paths
from mnist_edge.model.session import OnnxModel, as_model_input
from mnist_edge.bench.sysinfo import load_average, system_info
from mnist_edge.train.model import ReportCNN

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "results" / "litert.json"
MACS_PER_IMAGE = 1_495_168  # conv1 129,600 + conv2 1,179,648 + fc1 184,320 + fc2 1,600
FLOOR = {"macs_per_image": MACS_PER_IMAGE, "int8_macs_per_cycle": 64, "ghz": 3.7,
         "us_per_image": MACS_PER_IMAGE / 64 / 3.7e3,
         "note": "AVX-512 VNNI: 64 int8 multiply-adds per cycle on one core; clock about 3.7 GHz"}


def torch_from_onnx(path: Path) -> ReportCNN:
    """The report CNN with the ONNX file's weights and normalisation constants."""
    w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(path).graph.initializer}
    model = ReportCNN(mean=float(w["mean"]), std=float(w["std"]))
    model.load_state_dict({k: v for k, v in w.items() if "." in k}, strict=True)
    return model.eval()


def depthwise_conv1(fp32: Path, out: Path) -> Path:
    """The tried graph change: conv1 (1 -> 16 channels) as Tile(x16) + a 16-group conv (exact)."""
    proto = onnx.load(fp32)
    conv = first_conv(proto)
    channels = next(numpy_helper.to_array(t) for t in proto.graph.initializer if t.name == conv.input[1]).shape[0]
    proto.graph.initializer.append(numpy_helper.from_array(np.array([1, channels, 1, 1], np.int64), "conv1_repeats"))
    proto.graph.node.insert(list(proto.graph.node).index(conv), helper.make_node(
        "Tile", [conv.input[0], "conv1_repeats"], ["conv1_tiled"], name="conv1_tile"))
    conv.input[0] = "conv1_tiled"
    kept = [a for a in conv.attribute if a.name != "group"]
    del conv.attribute[:]
    conv.attribute.extend([*kept, helper.make_attribute("group", channels)])
    onnx.save(proto, out)
    return out


def build_models(tmp: Path, train_u8: np.ndarray) -> dict[str, dict]:
    """label -> {runtime, path}: shipped ONNX, their LiteRT twins, and the tried ONNX variant."""
    model = torch_from_onnx(shipped_model("fp32"))
    batch1 = convert_fp32(model)
    (tmp / "mnist_cnn.tflite").write_bytes(dynamic_batch(batch1))
    (tmp / "mnist_cnn.int8.tflite").write_bytes(dynamic_batch(tflite_int8(batch1, train_u8[:1000])))
    dw = depthwise_conv1(shipped_model("fp32"), tmp / "dw_fp32.onnx")
    onnx.save(quantize_int8(dw, train_u8, ExportConfig(fp32_first_conv=False)), tmp / "dw_int8.onnx")
    return {"ORT INT8 (shipped)": {"runtime": "onnxruntime", "path": shipped_model("int8")},
            "LiteRT INT8": {"runtime": "litert", "path": tmp / "mnist_cnn.int8.tflite"},
            "LiteRT FP32": {"runtime": "litert", "path": tmp / "mnist_cnn.tflite"},
            "ORT FP32 (shipped)": {"runtime": "onnxruntime", "path": shipped_model("fp32")},
            "ORT INT8, conv1 depthwise (tried)": {"runtime": "onnxruntime", "path": tmp / "dw_int8.onnx"}}


def run_fn(runtime: str, path: Path):
    """One bare inference on (B, 1, 28, 28) float32, as the bench times it."""
    if runtime == "litert":
        return LiteRTBackend(path).run
    model = OnnxModel(path)
    session, fetch, feed = model.session, [model.output_name], model.input_name
    return lambda x: session.run(fetch, {feed: x})


def quality(models: dict, test, torch_model: ReportCNN) -> dict:
    """Accuracy, agreement with ORT FP32, and max |logit difference| to torch on 1,000 images."""
    pixels = as_model_input(test.images)  # (10000, 1, 28, 28)
    with torch.no_grad():
        reference = torch_model(torch.from_numpy(pixels[:1000])).numpy()
    logits = {label: (LiteRTBackend(m["path"]) if m["runtime"] == "litert" else OnnxModel(m["path"]))
              .predict_logits(pixels) for label, m in models.items()}
    base = logits["ORT FP32 (shipped)"].argmax(1)
    return {label: {"test_accuracy": float(np.mean(z.argmax(1) == test.labels)),
                    "agreement_with_ort_fp32": float(np.mean(z.argmax(1) == base)),
                    "max_abs_logit_diff_to_torch_1000": float(np.abs(z[:1000] - reference).max())}
            for label, z in logits.items()}


def measure(models: dict, pixels: np.ndarray, batches: list[int], seconds: float, repeats: int) -> list[dict]:
    runs = {label: run_fn(m["runtime"], m["path"]) for label, m in models.items()}
    results = []
    for b in batches:
        x = np.ascontiguousarray(pixels[:b])
        cells = [time_batch(runs, x, seconds, warmup=20) for _ in range(repeats)]
        for label in runs:
            row = {k: float(np.median([c[label][k] for c in cells])) for k in cells[0][label] if k != "runs"}
            row = {"model": label, "batch": b, "repeats": repeats, "runs": sum(c[label]["runs"] for c in cells),
                   **{k: round(v, 3) for k, v in row.items()},
                   "throughput_ips_wall_p50": round(1e6 / row["wall_p50_us"]),
                   "throughput_ips_cpu_p50": round(1e6 / row["cpu_p50_us"]),
                   "cpu_p50_vs_floor": round(row["cpu_p50_us"] / FLOOR["us_per_image"], 2)}
            results.append(row)
            print(f"batch {b:>3} {label:<34} wall p50 {row['wall_p50_us']:7.2f} us/img  "
                  f"min {row['wall_min_us']:7.2f}  cpu p50 {row['cpu_p50_us']:7.2f}", flush=True)
    return results


def profiles(pixels: np.ndarray, batches=(32, 256)) -> dict:
    """onnxruntime's per-node kernel time of the shipped models, us per image, at each batch."""
    out = {}
    for b in batches:
        runs = 300 if b <= 32 else 60
        traces = profile_paths({"int8": str(shipped_model("int8")), "fp32": str(shipped_model("fp32"))},
                               pixels[:b], 1, runs)
        out[str(b)] = {label: {"kernel_us_per_image": round(1e3 * t["kernel_ms"] / b, 2),
                               "kernel_min_us_per_image": round(1e3 * t["kernel_min_ms"] / b, 2),
                               "run_us_per_image": round(1e3 * t["run_ms"] / b, 2),
                               "by_node_us_per_image": {f"{n['node']} ({n['op']})": round(1e3 * n["ms"] / b, 2)
                                                        for n in t["by_node"]},
                               "by_node_min_us_per_image": {f"{n['node']} ({n['op']})":
                                                            round(1e3 * n["min_ms"] / b, 2) for n in t["by_node"]}}
                       for label, t in traces.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seconds", type=float, default=4.0, help="per batch and repeat")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--batches", default="1,32,256")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, test = load_split("train", args.data_dir), load_split("test", args.data_dir)
    pixels = as_model_input(test.images[:256])
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="mnist-edge-litert-") as tmp:
        models = build_models(Path(tmp), train.images)
        scores = quality(models, test, torch_from_onnx(shipped_model("fp32")))
        files = {label: {"runtime": m["runtime"], "file": Path(m["path"]).name,
                         "bytes": Path(m["path"]).stat().st_size, "sha256": sha256_of(m["path"]),
                         **scores[label]} for label, m in models.items()}
        results = measure(models, pixels, [int(b) for b in args.batches.split(",")], args.seconds, args.repeats)
    report = {"schema": "mnist-edge-litert-bench", "schema_version": 1,
              "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "command": f"python bench/litert.py --seconds {args.seconds} --repeats {args.repeats} "
                         f"--batches {args.batches}",
              "system": system_info(), "load_average": {"before": load_before, "after": load_average()},
              "versions": {**converter_versions(), "onnxruntime": ort.__version__}, "threads": 1, "inputs": "the first N MNIST test images",
              "floor": FLOOR, "models": files, "results": results, "ort_profile": profiles(pixels)}
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
