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
from mnist_edge.train.config import TrainConfig

_T = TrainConfig()  # defaults shown in --help; the config module imports no torch

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def _root() -> None:
    """mnist-edge: train the report's MNIST CNN, export ONNX FP32 + INT8, run it on the edge."""


def main() -> None:
    """Console entry point: UserError becomes one line on stderr and exit code 2."""
    try:
        app()
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


TRAIN_EXTRA_HINT = "pip install torch==2.13.0 'mnist-edge[train]'"


def require_torch(command: str) -> None:
    """One line naming the extra to install, instead of an ImportError traceback."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserError(f"`mnist-edge {command}` needs torch, from the [train] extra: "
                        f"{TRAIN_EXTRA_HINT}") from None


@app.command()
def train(
    epochs: Annotated[int, typer.Option(help="Passes over the 60,000 training images.")] = _T.epochs,
    batch_size: Annotated[int, typer.Option(help="Images per optimiser step.")] = _T.batch_size,
    lr: Annotated[float, typer.Option(help="Peak learning rate of the one-cycle schedule (AdamW).")] = _T.lr,
    weight_decay: Annotated[float, typer.Option(help="AdamW weight decay.")] = _T.weight_decay,
    label_smoothing: Annotated[float, typer.Option(help="Label smoothing of the cross-entropy loss, 0 = off.")] = _T.label_smoothing,
    dropout: Annotated[float, typer.Option(help="Dropout before each fully connected layer (training only).")] = _T.dropout,
    rotate_deg: Annotated[float, typer.Option(help="Augmentation: max random rotation, degrees.")] = _T.rotate_deg,
    scale: Annotated[float, typer.Option(help="Augmentation: max random zoom, fraction (0.1 = +-10%).")] = _T.scale,
    shift_px: Annotated[float, typer.Option(help="Augmentation: max random shift, pixels.")] = _T.shift_px,
    seed: Annotated[int, typer.Option(help="Seed of weights, order, augmentation and dropout.")] = _T.seed,
    device: Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")] = _T.device,
    threads: Annotated[int, typer.Option(help="CPU threads for torch; 0 = torch's default.")] = _T.threads,
    limit: Annotated[int, typer.Option(help="Quick mode: use only the first N training (and test) images; 0 = all.")] = _T.limit,
    out: Annotated[Path, typer.Option(help="Folder for checkpoint.pt, metrics.json and curve.png.")] = Path(_T.out),
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder with the four MNIST .gz files (else $MNIST_EDGE_DATA_DIR, the cache, or a download).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its last completed epoch.")] = False,
) -> None:
    """Fit the report's CNN on MNIST (GPU if present, else CPU)."""
    require_torch("train")
    from mnist_edge.train.trainer import train as run_training

    run_training(TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
        label_smoothing=label_smoothing, dropout=dropout, rotate_deg=rotate_deg, scale=scale,
        shift_px=shift_px, seed=seed, device=device, threads=threads, limit=limit,
        out=str(out), data_dir=str(data_dir) if data_dir else None, resume=resume))
