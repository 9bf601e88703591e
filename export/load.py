"""Checkpoint -> the report CNN in eval mode, ready to export, plus what the card needs from it.

What it is: a checked load (missing, corrupt, other architecture, weights of other shapes:
each a one-line UserError naming the file) and the run's training summary. The temperature
fitted on validation (checkpoint key 'temperature', 1.0 when absent) is folded into the last
layer (fc2 weight and bias divided by T), so every exported graph, FP32 and INT8, outputs
logits / T: calibrated logits, at no cost.
What it isn't: the checkpoint format (train/checkpoint.py) or the export itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch.torch_version import TorchVersion

from mnist_edge.errors import UserError
from mnist_edge.train.checkpoint import load_checkpoint
from mnist_edge.train.model import ARCH, ReportCNN

# Checkpoints record versions()["torch"] = torch.__version__, a TorchVersion (a str
# subclass) that torch.load(weights_only=True) refuses unless allow-listed.
_SAFE_GLOBALS = [TorchVersion]


def load_model(path: str | os.PathLike) -> tuple[ReportCNN, dict[str, Any]]:
    """The checkpoint's weights in an eval-mode ReportCNN (CPU), and the checkpoint itself."""
    path = Path(path)
    with torch.serialization.safe_globals(_SAFE_GLOBALS):
        state = load_checkpoint(path, arch=ARCH)
    norm = state.get("normalization") or {}
    model = ReportCNN(**{k: float(norm[k]) for k in ("mean", "std") if k in norm})
    try:
        model.load_state_dict(state["model"], strict=True)
    except (RuntimeError, TypeError, AttributeError, KeyError) as e:
        detail = " ".join(str(e).split())  # torch's message spans lines: one line here
        raise UserError(f"{path}: weights do not fit the {ARCH} network ({detail[:300]})") from None
    fold_temperature(model, float(state.get("temperature", 1.0)))
    return model.eval(), state


def fold_temperature(model: ReportCNN, temperature: float) -> None:
    """logits / T computed by the last layer itself: fc2(h) / T = (W / T) h + b / T."""
    if not temperature > 0:
        raise UserError(f"temperature {temperature}: expected a positive number")
    with torch.no_grad():
        model.fc2.weight.div_(temperature)
        model.fc2.bias.div_(temperature)


def training_summary(state: dict[str, Any]) -> dict[str, Any]:
    """Epochs, recipe, final test accuracy (and on how many images) and wall time of the run."""
    history = state.get("history") or [{}]
    recipe = (state.get("config") or {}).get("recipe") or {}
    limit = recipe.get("limit") or 0
    calibration = state.get("calibration") or {}
    test = calibration.get("test") or {}
    return {
        "arch": state.get("arch"),
        "epochs": state.get("epoch"),
        "recipe": recipe,
        "init_sha256": state.get("init_sha256"),  # the weights a fine-tuning run started from
        "device": (state.get("config") or {}).get("device"),
        "normalization": state.get("normalization") or {},
        "final_test_accuracy": test.get("accuracy", history[-1].get("test_accuracy")),
        "final_validation_accuracy": history[-1].get("validation_accuracy"),
        "temperature": float(state.get("temperature", 1.0)),
        "min_confidence": state.get("min_confidence"),
        "calibration": calibration,
        "test_images": min(limit, 10_000) if limit else 10_000,
        "wall_time_s": history[-1].get("elapsed_s"),
        "versions": {k: str(v) for k, v in (state.get("versions") or {}).items()},
    }
