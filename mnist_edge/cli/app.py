"""The typer app of `mnist-edge`: one command per config dataclass, built from its fields.

What it is: the command table. Each command is `typer_command(app, typer, Config, run)`: the
options come from the config's fields (help, unit, bounds, declared once), the help text from
the run function's docstring. Heavy imports (torch, onnxruntime, the stages) happen inside the
run functions, so `mnist-edge --help` starts fast.
What it isn't: the entry point (mnist_edge.cli.main) or any command's work.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

import mnist_edge
from mnist_edge.bench.command import run_bench_command
from mnist_edge.bench.run import BenchConfig
from mnist_edge.cli.eval import EvalConfig, run_eval
from mnist_edge.cli.info import InfoConfig, run_info
from mnist_edge.cli.predict import PredictConfig, run_predict
from mnist_edge.cli.read import ReadConfig, run_read
from mnist_edge.errors import UserError
from mnist_edge.export.config import ExportConfig
from mnist_edge.options import typer_command
from mnist_edge.serve.config import ServeConfig, run_serve
from mnist_edge.train.config import TrainConfig

TRAIN_EXTRA_HINT = "pip install torch==2.13.0 'mnist-edge[train]'"

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        print(f"mnist-edge {mnist_edge.__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None) -> None:
    """mnist-edge: train the report's MNIST CNN, export ONNX FP32 + INT8, read digits on the edge."""


def require_torch(command: str) -> None:
    """One line naming the extra to install, instead of an ImportError traceback."""
    require_module("torch", command)


def require_module(module: str, command: str) -> None:
    from importlib.util import find_spec  # looks for it without importing it here

    if find_spec(module) is None:
        raise UserError(f"`mnist-edge {command}` needs {module}, from the [train] extra: "
                        f"{TRAIN_EXTRA_HINT}")


def run_train(cfg: TrainConfig) -> int:
    """Fit the report's CNN on MNIST (GPU if present, else CPU).

    Exit codes: 0 trained; 2 a usage, data or model error, or --out not writable (one line on stderr, checked before the first epoch).
    """
    require_torch("train")
    from mnist_edge.train.trainer import train

    train(cfg)
    return 0


def run_export(cfg: ExportConfig) -> int:
    """Export a checkpoint to ONNX FP32 (and static INT8), with golden vectors and a model card.

    With --from-export DIR: the export in DIR again, with new not-a-digit thresholds.
    Exit codes: 0 exported; 2 a usage, checkpoint, data or accuracy error, or --out not writable (one line on stderr; --out is left as it was).
    """
    from dataclasses import replace

    from mnist_edge.contract import command_line

    cfg = replace(cfg, command=command_line())
    if cfg.from_export is not None:
        require_module("onnx", "export --from-export")
        from mnist_edge.export.retune import retune

        retune(cfg)
        return 0
    require_torch("export")
    from mnist_edge.export.pipeline import run_export as export

    export(cfg)
    return 0


typer_command(app, typer, TrainConfig, run_train, "train")
typer_command(app, typer, ExportConfig, run_export, "export")
typer_command(app, typer, PredictConfig, run_predict, "predict")
typer_command(app, typer, ReadConfig, run_read, "read")
typer_command(app, typer, EvalConfig, run_eval, "eval")
typer_command(app, typer, InfoConfig, run_info, "info")
typer_command(app, typer, BenchConfig, run_bench_command, "bench")
typer_command(app, typer, ServeConfig, run_serve, "serve")
