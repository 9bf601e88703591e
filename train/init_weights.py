"""Starting weights for `train --init`: fine-tune a trained report CNN instead of a random one.

What it is: the raw weights (state_dict) of a checkpoint of `mnist-edge train`, or of an FP32
.onnx of `mnist-edge export` with its folded temperature undone (the export divides fc2 by T:
multiplying by T gives back the network as it trained). A model whose weights are shipped, and
not its checkpoint, can so be trained further (outlier exposure, say) from where it stands.
What it isn't: --resume (which continues a run's own schedule and optimiser), or an import of
other architectures: anything but the report's CNN is refused with one line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from mnist_edge.errors import UserError
from mnist_edge.filekind import not_a_file
from mnist_edge.train.checkpoint import load_checkpoint
from mnist_edge.train.model import ARCH, ReportCNN


def initial_weights(path: str) -> dict[str, torch.Tensor]:
    """The report CNN's raw weights from a checkpoint or an exported FP32 ONNX model."""
    try:
        if Path(path).suffix == ".onnx":
            return _onnx_weights(Path(path))
        return load_checkpoint(path, arch=ARCH)["model"]
    except UserError as e:  # one line that names the option too
        raise UserError(f"--init: {e}") from None


def _onnx_weights(path: Path) -> dict[str, torch.Tensor]:
    import onnx
    from onnx import numpy_helper

    problem = not_a_file(path)
    if problem is not None:
        raise UserError(f"{path}: {problem}")
    try:
        model = onnx.load(str(path))
    except Exception as e:  # protobuf's errors for a foreign file vary
        raise UserError(f"{path}: not an ONNX model ({type(e).__name__})") from None
    meta = {p.key: p.value for p in model.metadata_props}
    if meta.get("model") != ARCH or meta.get("precision") != "fp32":
        raise UserError(f"{path}: not an FP32 export of {ARCH} (model {meta.get('model')!r}, "
                        f"precision {meta.get('precision')!r}); start from mnist_cnn.onnx")
    names = ReportCNN().state_dict().keys()
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
               for i in model.graph.initializer if i.name in names}
    temperature = float(json.loads(meta.get("temperature", "1.0")))
    if set(weights) != set(names) or not temperature > 0:
        raise UserError(f"{path}: weights or temperature missing from the graph")
    weights["fc2.weight"] *= temperature  # the export's fold_temperature, undone
    weights["fc2.bias"] *= temperature
    return weights


def load_initial(model: ReportCNN, path: str) -> None:
    try:
        model.load_state_dict(initial_weights(path), strict=True)
    except RuntimeError as e:  # shapes that do not fit: torch's message spans lines
        raise UserError(f"--init {path}: weights do not fit the {ARCH} network "
                        f"({' '.join(str(e).split())[:200]})") from None
