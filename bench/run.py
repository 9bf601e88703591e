"""`mnist-edge bench`: latency and throughput of the models on this machine, FP32 vs INT8, on
every installed runtime side by side (onnxruntime, LiteRT, OpenVINO: mnist_edge.bench.backends).

What it is: what runs on what. Per model and runtime: cold start (mnist_edge.bench.coldstart, a fresh child
process per start), then for each thread count and batch size a steady-state cell: warm-up
runs, then timed runs of all models taking turns in short blocks (A B, B A, ...) in this one
process, so drift and other processes on a shared machine hit every model alike, until the
cell's share of --seconds (or --runs runs per model) is used. Each timed run is one bare
session.run (or interpreter invoke, or infer request) on the same input array. With the MNIST
test set present, each row's accuracy on it. Returns the report (schema below) and writes it
atomically as JSON.
What it isn't: the timing loop (mnist_edge.bench.loop), the statistics (benchstats), the
tables (benchview), the machine description (sysinfo), per-operator profiles (profile), or
torch: the --torch row lives in mnist_edge.bench.torch_row, imported only when asked.

Report schema "mnist-edge-bench" version 1: schema, schema_version, created_utc, command,
mnist_edge, system, runtimes {package: version or "absent"}, inputs {source, images}, settings, models [{label, kind (the runtime), path,
precision, file_bytes, sha256, cold_start, note, runs_as, accuracy}], results [{model, threads, batch, runs, latency_ms {p50,
p90, p99, mean, min, max}, throughput_ips}], ratios [{model, baseline, threads, batch,
throughput, latency_p50}], peak_rss_bytes, profile (null without --profile).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from mnist_edge.bench.backends import accuracy, candidates, installed, parse_backends
from mnist_edge.bench.candidate import Candidate
from mnist_edge.bench.loop import (
    Report,
    Steps,
    one_cold_start,
    peak_rss_bytes,
    time_cell,
)
from mnist_edge.bench.stats import ratios, summarize

import mnist_edge
from mnist_edge.atomic import atomic_write_text
from mnist_edge.contract import versions
from mnist_edge.errors import UserError
from mnist_edge.options import option

SCHEMA = "mnist-edge-bench"
SCHEMA_VERSION = 1
DEFAULT_BATCHES = (1, 8, 64, 256)


@dataclass
class BenchConfig:
    models: list[str] = option(factory=list, help="Models to compare (.onnx, .tflite); each runs on "
                               "every --backend that reads it; the first is the baseline of the "
                               "ratios (default: each backend's shipped FP32 and INT8 models).",
                               argument=True, cli_type=list[Path])
    backends: list[str] = option(factory=lambda: installed(), help="Runtimes to compare side by "
                                 "side, comma-separated: onnxruntime, litert (the [litert] extra), "
                                 "openvino (pip install openvino; reads the .onnx files) (default: "
                                 "every one installed).", flags=("--backend",), parse=parse_backends)
    threads: list[int] = option(factory=lambda: default_threads(), help="onnxruntime intra-op "
                                "thread counts to measure, comma-separated, e.g. 1,2,4 (default: 1 "
                                "and the number of cores).", parse=lambda s: parse_counts(s, "--threads"))
    batches: list[int] = option(factory=lambda: list(DEFAULT_BATCHES), help="Batch sizes to "
                                "measure, comma-separated; batch 1 also gives the latency "
                                "percentiles (default: 1,8,64,256).", flags=("--batch",),
                                parse=lambda s: parse_counts(s, "--batch"))
    seconds: float = option(20.0, "Time budget of the steady-state runs, shared by all "
                                  "thread/batch combinations.", "seconds")
    runs: int = option(0, "Exactly N timed runs per model, thread count and batch size instead "
                          "of --seconds; 0 = use --seconds.")
    warmup: int = option(10, "Untimed runs per model before each thread/batch combination.")
    cold_starts: int = option(3, "Fresh processes per model for the cold start (import, session, "
                                 "first run; median); 0 = skip.")
    json_path: str | None = option(None, "Also write the full report to this JSON file (schema "
                                         "mnist-edge-bench, version 1).", flags=("--json",),
                                   cli_type=Path)
    data_dir: str | None = option(None, "Folder with the MNIST .gz files for real test images "
                                        "(else $MNIST_EDGE_DATA_DIR or the cache; never downloads: "
                                        "random pixels if absent).", cli_type=Path)
    torch: bool = option(False, "Add a row running the checkpoint in torch eager on the same "
                                "inputs (needs torch).", flags=("--torch",))
    checkpoint: str | None = option("runs/train/checkpoint.pt", "The checkpoint for --torch.",
                                    cli_type=Path)
    profile: bool = option(False, "Also show where the time goes per operator (onnxruntime's "
                                  "profiler), its models side by side, at the largest batch.",
                           flags=("--profile",))
    profile_runs: int = 50
    command: str | None = None

    def checked(self) -> "BenchConfig":
        """UserError for values that cannot be measured; returns self."""
        if not self.threads or min(self.threads) < 1:
            raise UserError("--threads: give one or more thread counts of at least 1, e.g. 1,2,4")
        if not self.batches or min(self.batches) < 1:
            raise UserError("--batch: give one or more batch sizes of at least 1, e.g. 1,8,64,256")
        if self.seconds <= 0:
            raise UserError(f"--seconds {self.seconds}: must be more than 0")
        for flag, value in (("--runs", self.runs), ("--warmup", self.warmup),
                              ("--cold-starts", self.cold_starts)):
            if value < 0:
                raise UserError(f"{flag} {value}: must not be negative")
        if self.json_path:  # before minutes of measuring, not after
            from mnist_edge.fsguard import check_writable_file

            check_writable_file(self.json_path, "--json")
        return self


def default_threads() -> list[int]:
    """1 and the number of usable cores (just 1 on a one-core machine)."""
    from mnist_edge.bench.sysinfo import usable_cores

    return sorted({1, usable_cores() or 1})


def parse_counts(text: str, option: str) -> list[int]:
    """'1,2,4' -> [1, 2, 4] (order kept, duplicates dropped); UserError naming the option."""
    try:
        values = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise UserError(f"{option} {text}: expected whole numbers separated by commas, e.g. 1,2,4") from None
    if not values or min(values) < 1:
        raise UserError(f"{option} {text}: expected numbers of at least 1, e.g. 1,2,4")
    return list(dict.fromkeys(values))


# --- inputs and models --------------------------------------------------------------------


def load_inputs(count: int, data_dir: str | None) -> tuple[np.ndarray, str, object]:
    """(count, 1, 28, 28) float32 pixels: MNIST test images if present (never downloaded), else
    random; the source's name; and the test split (None without it)."""
    from mnist_edge.data.mnist import find_data_dir, load_split
    from mnist_edge.model.session import as_model_input

    try:
        folder = find_data_dir(data_dir, download=False)
    except UserError:
        if data_dir:  # a folder named on the command line must hold the files
            raise
        folder = None
    if folder is not None:
        images = load_split("test", folder).images
        reps = -(-count // len(images))
        test = load_split("test", folder)
        return as_model_input(np.concatenate([images] * reps)[:count]), "mnist-test", test
    rng = np.random.default_rng(0)
    return rng.random((count, 1, 28, 28), dtype=np.float32), "random", None


def torch_candidate(checkpoint: str | None, onnx: list[Candidate]) -> Candidate:
    """The checkpoint in torch eager (mnist_edge.bench.torch_row), noting whether the models came from it."""
    try:
        from mnist_edge.bench.torch_row import torch_candidate as make  # imports torch
    except ImportError:
        raise UserError("--torch runs the checkpoint in torch, which is not installed: "
                        "pip install torch==2.13.0 'mnist-edge[train]'") from None
    cand = make(checkpoint)
    from mnist_edge.backends import open_backend

    exported_from = {open_backend(c.kind, c.path).metadata.get("checkpoint_sha256") for c in onnx
                     if c.kind in ("onnxruntime", "litert")}
    same = cand.sha256 in exported_from
    cand.note = ("the checkpoint the ONNX models were exported from" if same else
                 "NOT the checkpoint the ONNX models were exported from (SHA-256 differs)")
    return cand


# --- measurement --------------------------------------------------------------------------


def steady_state(cands: list[Candidate], pixels: np.ndarray, cfg: BenchConfig,
                 steps: Steps) -> list[dict]:
    """One result per (model, threads, batch); all models of a cell alternate."""
    budget = cfg.seconds / (len(cfg.threads) * len(cfg.batches))
    results = []
    for threads in cfg.threads:
        runs = [c.open(threads) for c in cands]
        for batch in cfg.batches:
            x = np.ascontiguousarray(pixels[:batch])
            label = f"{threads} thread{'s' if threads > 1 else ''}, batch {batch}"
            times = time_cell(runs, x, cfg.warmup, budget, cfg.runs,
                              lambda f, label=label: steps.at(label, f))
            steps.next()
            for cand, seconds in zip(cands, times):
                results.append({"model": cand.label, "threads": threads, "batch": batch,
                                **summarize(seconds, batch)})
        del runs
    return results


def cold_starts(cands: list[Candidate], cfg: BenchConfig, steps: Steps) -> None:
    """Median cold start of each row but torch's over cfg.cold_starts fresh processes, in place."""
    onnx = [c for c in cands if c.kind in ("onnxruntime", "litert", "openvino")]
    samples: dict[str, list[dict]] = {c.label: [] for c in onnx}
    total = cfg.cold_starts * len(onnx)
    for k in range(cfg.cold_starts):
        for i, cand in enumerate(onnx if k % 2 == 0 else onnx[::-1]):
            samples[cand.label].append(one_cold_start(cand.path, cfg.threads[0], max(cfg.batches),
                                                              cand.kind))
            steps.at("cold starts", (k * len(onnx) + i + 1) / total)
    steps.next()
    for cand in onnx:
        runs = samples[cand.label]
        if runs:
            cand.cold_start = {key: float(np.median([r[key] for r in runs])) for key in runs[0]}
            cand.cold_start.update(peak_rss_bytes=int(cand.cold_start["peak_rss_bytes"]),
                                   starts=len(runs))


# --- the whole run ------------------------------------------------------------------------

def run_bench(cfg: BenchConfig, report: Report = lambda label, done, total: None) -> dict:
    """Measure everything cfg asks for; returns the report (and writes cfg.json_path if set)."""
    from mnist_edge.bench.sysinfo import load_average, system_info

    cfg.checked()
    system = system_info()  # before the runs: the load average says how busy the machine was
    cands = candidates(cfg.models, cfg.backends, cfg.threads[0])
    if cfg.torch:
        cands.append(torch_candidate(cfg.checkpoint, cands))
    pixels, source, test = load_inputs(max(cfg.batches), cfg.data_dir)
    steps = Steps(bool(cfg.cold_starts) + len(cfg.threads) * len(cfg.batches) + cfg.profile, report)
    if test is not None:
        from mnist_edge.model.session import as_model_input

        report("accuracy on the test set", 0, steps.total)
        accuracy(cands, as_model_input(test.images), test.labels, cfg.threads[0])
    if cfg.cold_starts:
        cold_starts(cands, cfg, steps)
    results = steady_state(cands, pixels, cfg, steps)
    profile = None
    if cfg.profile:
        from mnist_edge.bench.profile import profile_models

        onnx = [c for c in cands if c.kind == "onnxruntime"]
        profile = profile_models(onnx, pixels, cfg.threads[0], cfg.profile_runs, steps) if onnx else None
    result = {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION,
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": cfg.command, "mnist_edge": mnist_edge.__version__,
        "system": {**system, "load_average_after": load_average()},
        "runtimes": versions("onnxruntime", "ai-edge-litert", "openvino"),
        "inputs": {"source": source, "images": int(len(pixels))},
        "settings": {"backends": cfg.backends, "threads": cfg.threads, "batches": cfg.batches,
                     "seconds": cfg.seconds,
                     "runs": cfg.runs, "warmup": cfg.warmup, "cold_starts": cfg.cold_starts,
                     "alternating": True, "throughput": "batch / median run time"},
        "models": [c.to_dict() for c in cands],
        "results": results,
        "ratios": ratios(results, cands[0].label),
        "peak_rss_bytes": peak_rss_bytes(),
        "profile": profile,
    }
    if cfg.json_path:
        write_report(result, cfg.json_path)
    return result


def write_report(report: dict, path: str | os.PathLike) -> None:
    """The report as indented JSON, written atomically (temp file + rename)."""
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
