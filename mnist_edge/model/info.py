"""What a model file is, from the file, onnxruntime and the model card (`info`, the API, serve).

What it is: model_info() gathers the file (size, SHA-256, and whether model_card.json beside it
agrees), the graph as read by hand (IR version, opsets, producer, inputs/outputs, FP32 or
INT8, whether the runtime can feed it), the metadata_props as onnxruntime's modelmeta reports
them, and the card's entry, as one JSON-ready dict.
What it isn't: a check that refuses the model for the runtime's contract (it shows the problem
instead), an evaluation (`mnist-edge eval`), or the text rendering (mnist_edge.cli.info).
"""

from __future__ import annotations

import os

from mnist_edge.model.check import contract_problems
from mnist_edge.model.session import OnnxModel


def model_info(path: str | os.PathLike | None) -> dict:
    """Everything `info` shows, as a JSON-ready dict; UserError if the file is no usable model."""
    model = OnnxModel(path, check=False)  # checks all but the contract, then loads it
    checked, proto = model.checked, model.checked.proto
    meta = model.session.get_modelmeta()
    problems = contract_problems(proto)
    return {
        "file": str(checked.path),
        "shipped": is_shipped(checked.path),
        "bytes": len(checked.data),
        "sha256": checked.sha256,
        "card": str(checked.card_path) if checked.card_path else None,
        "card_sha256": _card_check(checked),
        "precision": checked.precision,
        "ir_version": proto.ir_version,
        "opsets": {domain or "ai.onnx": version for domain, version in proto.opsets.items()},
        "producer": proto.producer or meta.producer_name,
        "graph": meta.graph_name,
        "inputs": [v.text() for v in proto.inputs],
        "outputs": [v.text() for v in proto.outputs],
        "runtime_contract": "ok" if not problems else "; ".join(problems),
        "ops": dict(sorted(proto.op_types.items())),
        "external_data": [location for _, location in proto.external_data],
        "metadata": dict(sorted(meta.custom_metadata_map.items())),
        "card_entry": checked.card,
    }


def is_shipped(path) -> bool:
    """Whether this is one of the models installed with mnist-edge (what predict uses by default)."""
    from mnist_edge.model.check import artifacts_dir

    try:
        return path.resolve().parent == artifacts_dir().resolve()
    except OSError:
        return False


def _card_check(checked) -> str:
    if checked.card_path is None:
        return "no model_card.json beside the model"
    if not checked.card or not checked.card.get("sha256"):
        return "the model card does not list this file"
    return "matches"  # read_model refuses a mismatch
