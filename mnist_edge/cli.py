"""The `mnist-edge` command line: train, export, predict, eval, info, bench.

What it is: thin typer commands mapping options onto each stage's config dataclass. Heavy
imports (torch, onnxruntime, the stage modules) are deferred into the command that needs
them, so `mnist-edge --help` and `predict` start fast.
What it isn't: any of the work itself; that lives in one module per stage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from mnist_edge.errors import UserError
from mnist_edge.export.config import ExportConfig
from mnist_edge.train.config import TrainConfig

_T = TrainConfig()  # defaults shown in --help; the config module imports no torch
_E = ExportConfig()

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def _root() -> None:
    """mnist-edge: train the report's MNIST CNN, export ONNX FP32 + INT8, run it on the edge."""


def main() -> None:
    """Console entry point: UserError becomes one line on stderr and exit code 2."""
    try:
        if sys.argv[1:2] == ["predict"]:  # typer-free fast path (mnist_edge/fastcli.py says why)
            from mnist_edge.fastcli import run_predict_fast

            code = run_predict_fast(sys.argv[2:])
            if code is not None:
                sys.exit(code)
        app()
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


TRAIN_EXTRA_HINT = "pip install torch==2.13.0 'mnist-edge[train]'"


def require_torch(command: str) -> None:
    """One line naming the extra to install, instead of an ImportError traceback."""
    from importlib.util import find_spec  # looks for torch without importing it here

    if find_spec("torch") is None:
        raise UserError(f"`mnist-edge {command}` needs torch, from the [train] extra: "
                        f"{TRAIN_EXTRA_HINT}")


@app.command()
def train(
    epochs: Annotated[int, typer.Option(help="Passes over the 60,000 training images.")] = _T.epochs,
    batch_size: Annotated[int, typer.Option(help="Images per optimiser step.")] = _T.batch_size,
    optimizer: Annotated[str, typer.Option(help="adamw, or sgd (Nesterov momentum 0.9).")] = _T.optimizer,
    lr: Annotated[float, typer.Option(help="Peak learning rate of the one-cycle schedule.")] = _T.lr,
    weight_decay: Annotated[float, typer.Option(help="AdamW weight decay.")] = _T.weight_decay,
    label_smoothing: Annotated[float, typer.Option(help="Label smoothing of the cross-entropy loss, 0 = off.")] = _T.label_smoothing,
    dropout: Annotated[float, typer.Option(help="Dropout before each fully connected layer (training only).")] = _T.dropout,
    rotate_deg: Annotated[float, typer.Option(help="Augmentation: max random rotation, degrees.")] = _T.rotate_deg,
    scale: Annotated[float, typer.Option(help="Augmentation: max random zoom, fraction (0.1 = +-10%).")] = _T.scale,
    shift_px: Annotated[float, typer.Option(help="Augmentation: max random shift, pixels.")] = _T.shift_px,
    clean_epochs: Annotated[int, typer.Option(help="The last N epochs train on unaugmented images.")] = _T.clean_epochs,
    elastic_alpha: Annotated[float, typer.Option(help="Augmentation: elastic distortion strength, pixels; 0 = off.")] = _T.elastic_alpha,
    elastic_sigma: Annotated[float, typer.Option(help="Augmentation: smoothness of the elastic field, pixels.")] = _T.elastic_sigma,
    ema_decay: Annotated[float, typer.Option(help="Per-step decay of a moving average of the weights that is evaluated and shipped; 0 = off.")] = _T.ema_decay,
    seed: Annotated[int, typer.Option(help="Seed of weights, order, augmentation and dropout.")] = _T.seed,
    device: Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")] = _T.device,
    threads: Annotated[int, typer.Option(help="CPU threads for torch; 0 = torch's default.")] = _T.threads,
    limit: Annotated[int, typer.Option(help="Quick mode: use only the first N training (and test) images; 0 = all.")] = _T.limit,
    out: Annotated[Path, typer.Option(help="Folder for checkpoint.pt, metrics.json and curve.png.")] = Path(_T.out),
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder with the four MNIST .gz files (else $MNIST_EDGE_DATA_DIR, the cache, or a download).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its last completed epoch.")] = False,
) -> None:
    """Fit the report's CNN on MNIST (GPU if present, else CPU)."""
    config = TrainConfig(**locals())  # every option is a TrainConfig field of the same name
    require_torch("train")
    from mnist_edge.train.trainer import train as run_training

    run_training(config)


@app.command()
def export(
    checkpoint: Annotated[Path, typer.Option(help="The trained checkpoint to export.")] = Path(_E.checkpoint),
    out: Annotated[Path, typer.Option(help="Folder for the .onnx models, golden test vectors and model card.")] = Path(_E.out),
    quantize: Annotated[bool, typer.Option(help="Also write the static INT8 model mnist_cnn.int8.onnx.")] = _E.quantize,
    calibration_images: Annotated[int, typer.Option(help="INT8 calibration: the first N MNIST training images.")] = _E.calibration_images,
    quant_format: Annotated[str, typer.Option(help="INT8 graph format: QDQ or QOperator.")] = _E.quant_format,
    activation_type: Annotated[str, typer.Option(help="INT8 activations: QUInt8 or QInt8.")] = _E.activation_type,
    weight_type: Annotated[str, typer.Option(help="INT8 weights: QInt8 or QUInt8.")] = _E.weight_type,
    calibration_method: Annotated[str, typer.Option(help="INT8 activation ranges: MinMax, Entropy or Percentile.")] = _E.calibration_method,
    per_channel: Annotated[bool, typer.Option("--per-channel/--per-tensor", help="INT8 weight scales per output channel or per tensor.")] = _E.per_channel,
    reduce_range: Annotated[bool, typer.Option(help="7-bit INT8 weights, for x86 CPUs without VNNI.")] = _E.reduce_range,
    max_int8_drop: Annotated[float, typer.Option(help="Fail (writing nothing) if INT8 test accuracy is more than this many points below FP32.")] = _E.max_int8_drop,
    qdq_report: Annotated[bool, typer.Option(help="Print and save qdq_report.json: per-tensor SQNR of weights and activations, FP32 vs INT8.")] = _E.qdq_report,
    qdq_report_images: Annotated[int, typer.Option(help="Test images the QDQ report runs through both models.")] = _E.qdq_report_images,
    golden_sets: Annotated[int, typer.Option(help="Golden test vectors to write: test_data_set_0..N-1.")] = _E.golden_sets,
    opset: Annotated[int, typer.Option(help="ONNX opset (18 or newer).")] = _E.opset,
    threads: Annotated[int, typer.Option(help="onnxruntime threads for evaluation; 0 = its default.")] = _E.threads,
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder with the four MNIST .gz files (else $MNIST_EDGE_DATA_DIR, the cache, or a download).")] = None,
) -> None:
    """Export a checkpoint to ONNX FP32 (and static INT8), with golden vectors and a model card."""
    require_torch("export")
    from mnist_edge.export.pipeline import command_line, run_export

    run_export(ExportConfig(
        checkpoint=str(checkpoint), out=str(out), opset=opset, quantize=quantize,
        calibration_images=calibration_images, quant_format=quant_format,
        activation_type=activation_type, weight_type=weight_type,
        calibration_method=calibration_method, per_channel=per_channel, reduce_range=reduce_range,
        max_int8_drop=max_int8_drop, qdq_report=qdq_report, qdq_report_images=qdq_report_images,
        golden_sets=golden_sets, threads=threads, data_dir=str(data_dir) if data_dir else None,
        command=command_line()))


# --- the runtime: predict, eval, info (torch-free; each imports its module when it runs) ---


@app.command()
def predict(
    images: Annotated[list[str], typer.Argument(help="Image files, folders (their images, not recursive) or globs such as 'scans/*.jpg'.", show_default=False)],
    model: Annotated[Optional[Path], typer.Option(help="ONNX model to run (default: the shipped INT8 model).", show_default=False)] = None,
    top_k: Annotated[int, typer.Option(min=1, max=10, help="Show the K most likely digits with their probabilities.")] = 1,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per image per line: {file, digit, probability, top} or {file, error}.")] = False,
    save_preprocessed: Annotated[Optional[Path], typer.Option(help="Folder to save what the network saw: each image as a 28x28 PNG.", show_default=False)] = None,
    threads: Annotated[int, typer.Option(min=0, help="onnxruntime intra-op threads; 0 = one per core.")] = 1,
) -> None:
    """Read photos or scans of single handwritten digits and print the digit each shows.

    Exit code: 0 all images predicted, 1 some failed (one line each on stderr, or {file, error} with --json), 2 a usage or model error.
    """
    from mnist_edge.predict import predict_command

    raise typer.Exit(predict_command(images, model, top_k, json_lines, save_preprocessed, threads))


@app.command("eval")
def eval_command(
    model: Annotated[Optional[list[Path]], typer.Option(help="ONNX model to evaluate; repeat it to compare models side by side (default: the shipped FP32 and INT8 models).", show_default=False)] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder with the four MNIST .gz files (else $MNIST_EDGE_DATA_DIR, the cache, or a download).", show_default=False)] = None,
    limit: Annotated[int, typer.Option(min=0, help="Quick mode: only the first N test images; 0 = all 10,000.")] = 0,
    threads: Annotated[int, typer.Option(min=0, help="onnxruntime intra-op threads; 0 = one per core.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per session.run call.")] = 256,
    plot: Annotated[Optional[Path], typer.Option(help="Also write the confusion matrices to this PNG file.", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Accuracy, per-class accuracy, confusion matrix and throughput on the MNIST test set."""
    import json

    from mnist_edge.data import load_split
    from mnist_edge.evaluate import evaluate, render
    from mnist_edge.modelcheck import shipped_model
    from mnist_edge.runtime import OnnxModel

    paths = model or [shipped_model("fp32"), shipped_model("int8")]
    models = [OnnxModel(p, threads=threads) for p in paths]  # all checked before the data is read
    test = load_split("test", data_dir)
    images, labels = (test.images[:limit], test.labels[:limit]) if limit else (test.images, test.labels)
    results = [evaluate(m, images, labels, threads=threads, batch=batch_size) for m in models]
    if plot is not None:
        from mnist_edge.confplot import plot_confusions

        plot_confusions([(f"{r.name} ({r.precision.upper()}): {100 * r.accuracy:.2f}%", r.confusion) for r in results], plot)
    if json_out:
        print(json.dumps({"images": len(labels), "models": [r.to_dict() for r in results]}))
        return
    from rich.console import Console

    render(results, Console())
    if plot is not None:
        print(f"confusion matrices written to {plot}")


@app.command()
def info(
    model: Annotated[Optional[Path], typer.Argument(help="ONNX model file (default: the shipped INT8 model).", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Inputs/outputs, opset, size, SHA-256, FP32/INT8, metadata and model card of a model."""
    import json

    from mnist_edge.info import describe, render

    details = describe(model)
    print(json.dumps(details) if json_out else render(details))


@app.command()
def bench(
    models: Annotated[Optional[list[Path]], typer.Argument(help="ONNX models to compare; the first is the baseline of the ratios (default: the shipped FP32 and INT8 models).", show_default=False)] = None,
    threads: Annotated[Optional[str], typer.Option(help="onnxruntime intra-op thread counts to measure, comma-separated, e.g. 1,2,4 (default: 1 and the number of cores).", show_default=False)] = None,
    batch: Annotated[str, typer.Option(help="Batch sizes to measure, comma-separated; batch 1 also gives the latency percentiles.")] = "1,8,64,256",
    seconds: Annotated[float, typer.Option(help="Time budget of the steady-state runs, seconds, shared by all thread/batch combinations.")] = 20.0,
    runs: Annotated[int, typer.Option(help="Exactly N timed runs per model, thread count and batch size instead of --seconds; 0 = use --seconds.")] = 0,
    warmup: Annotated[int, typer.Option(help="Untimed runs per model before each thread/batch combination.")] = 10,
    cold_starts: Annotated[int, typer.Option(help="Fresh processes per model for the cold start (import, session, first run; median); 0 = skip.")] = 3,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the full report to this JSON file (schema mnist-edge-bench, version 1).", show_default=False)] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder with the MNIST .gz files for real test images (else $MNIST_EDGE_DATA_DIR or the cache; never downloads: random pixels if absent).", show_default=False)] = None,
    torch: Annotated[bool, typer.Option("--torch", help="Add a row running the checkpoint in torch eager on the same inputs (needs torch).")] = False,
    checkpoint: Annotated[Path, typer.Option(help="The checkpoint for --torch.")] = Path(_E.checkpoint),
    profile: Annotated[bool, typer.Option("--profile", help="Also show where the time goes per operator (onnxruntime's profiler), models side by side, at the largest batch.")] = False,
) -> None:
    """Latency and throughput of the models on this machine, FP32 vs INT8, run alternately."""
    from rich.console import Console

    from mnist_edge.bench import BenchConfig, command_line, default_threads, parse_counts, run_bench
    from mnist_edge.benchview import progress_bar, render

    cfg = BenchConfig(
        models=[str(m) for m in models or []],
        threads=parse_counts(threads, "--threads") if threads else default_threads(),
        batches=parse_counts(batch, "--batch"), seconds=seconds, runs=runs, warmup=warmup,
        cold_starts=cold_starts, data_dir=str(data_dir) if data_dir else None, torch=torch,
        checkpoint=str(checkpoint), profile=profile,
        json_path=str(json_path) if json_path else None, command=command_line()).checked()
    console = Console()
    with progress_bar(console) as report:
        result = run_bench(cfg, report)
    render(result, console)
    if json_path:
        console.print(f"wrote {json_path}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 = every interface (the phone on the same network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    model: Annotated[Optional[Path], typer.Option(help="ONNX model to serve (default: the shipped INT8 model).", show_default=False)] = None,
    threads: Annotated[int, typer.Option(min=0, help="onnxruntime intra-op threads per inference call; 0 = one per core.")] = 1,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Inference calls running at once (default: one per core, at most 4).", show_default=False)] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request (/metrics counts them either way).")] = False,
) -> None:
    """Answer over HTTP: a JSON API (/v1/predict, /v1/model, /healthz, /metrics) and a page at / to draw or photograph a digit.

    Needs the optional serve extra. For a service on a small board, `python -m mnist_edge.serve` takes the same options without the CLI's imports (docs/serve.md).
    """
    from mnist_edge.serve import run_server

    run_server(host, port, model, threads, workers, access_log)
