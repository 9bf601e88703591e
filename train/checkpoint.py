"""Checkpoints: one file holding the weights, the config, the history and the resume state.

What it is: atomic save (temp file + rename, so a SIGKILL mid-write leaves the previous
epoch's file) and a checked load with torch.load(weights_only=True). What it isn't: the
ONNX export (export/), which reads only 'arch', 'model' and 'normalization'.
Layout: format, arch, model (state_dict), normalization {mean, std}, config (dict),
epoch (completed), history (list of per-epoch dicts), data_md5, versions, and for --resume:
train_model (the raw weights; 'model' holds the moving average when --ema-decay is on), ema,
optimizer, scheduler.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from mnist_edge.atomic import atomic_path
from mnist_edge.errors import UserError

FORMAT = 1
CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, **state}, tmp)


def load_checkpoint(path: str | os.PathLike, arch: str | None = None) -> dict[str, Any]:
    """Load and check a checkpoint; every problem is a one-line UserError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a corrupt or foreign file
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"{path}: not a readable mnist-edge checkpoint ({first_line})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT or "model" not in state:
        raise UserError(f"{path}: not an mnist-edge checkpoint (format {FORMAT} expected)")
    if arch is not None and state.get("arch") != arch:
        raise UserError(f"{path}: checkpoint of architecture {state.get('arch')!r}, expected {arch!r}")
    return state
