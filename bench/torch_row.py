"""The optional `mnist-edge bench --torch` row: the trained checkpoint in torch eager mode.

What it is: a bench Candidate that runs the same network as the ONNX models (the checkpoint
loaded as for export, eval mode, CPU, torch.inference_mode) on the same float32 input
arrays, with torch.set_num_threads set to the cell's thread count. Imported only when
--torch is given, so the runtime never imports torch.
What it isn't: a torch-side optimisation (no compile, no channels-last): it is the eager
baseline users compare against.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from mnist_edge.bench.candidate import Candidate
from mnist_edge.bench.loop import RunFn
from mnist_edge.export.config import ExportConfig

from mnist_edge.errors import UserError


def torch_candidate(checkpoint: str | None) -> Candidate:
    """The checkpoint (default: export's default, runs/train/checkpoint.pt) as a bench row."""
    from mnist_edge.export.load import load_model

    path = Path(checkpoint or ExportConfig().checkpoint)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found (--torch needs --checkpoint, the file the "
                        "models were exported from)")
    model, _ = load_model(path)
    data = path.read_bytes()

    def open_model(threads: int) -> RunFn:
        torch.set_num_threads(threads)

        def run(x: np.ndarray) -> torch.Tensor:
            with torch.inference_mode():
                return model(torch.from_numpy(x))

        return run

    return Candidate(label="torch", kind="torch", path=str(path), precision="fp32",
                     file_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), open=open_model)
