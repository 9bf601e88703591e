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

import io
import os
from pathlib import Path
from typing import Any

import torch

from mnist_edge.atomic import atomic_path
from mnist_edge.errors import UserError

FORMAT = 1
CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    # Serialized in memory first (a few MB): torch's own file writer reports a full disk as a
    # RuntimeError without errno; our write says "no space left on device" and names the file.
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, **state}, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getbuffer())


def load_checkpoint(path: str | os.PathLike, arch: str | None = None) -> dict[str, Any]:
    """Load and check a checkpoint; every problem is a one-line UserError naming the file."""
    path = Path(path)
    from mnist_edge.filekind import not_a_file

    problem = not_a_file(path)
    if problem == "file not found":
        raise UserError(f"{path}: checkpoint not found; run `mnist-edge train` first "
                        f"(it writes runs/train/{CHECKPOINT_NAME}), or name one with --checkpoint")
    if problem is not None:
        raise UserError(f"{path}: {problem}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a corrupt or foreign file
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"{path}: not a checkpoint made by `mnist-edge train` "
                        f"(torch cannot read it: {first_line[:200]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT or "model" not in state:
        raise UserError(f"{path}: not a checkpoint made by `mnist-edge train` "
                        f"(no format {FORMAT} checkpoint inside)")
    if arch is not None and state.get("arch") != arch:
        raise UserError(f"{path}: checkpoint of architecture {state.get('arch')!r}, expected {arch!r}")
    return state
