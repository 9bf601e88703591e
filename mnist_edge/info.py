"""`mnist-edge info MODEL`: what a model file is, from the file, onnxruntime and the model card.

What it is: describe() gathers the file (size, SHA-256, and whether model_card.json beside it
agrees), the graph as read by hand (IR version, opsets, producer, inputs/outputs, FP32 or
INT8, whether the runtime can feed it), the metadata_props as onnxruntime's modelmeta reports
them, and the card's entry; render() prints it as aligned plain text.
What it isn't: a check that refuses the model for the runtime's contract (info shows the
problem instead), or an evaluation (`mnist-edge eval`).
"""

from __future__ import annotations

import json
import os

from mnist_edge.modelcheck import contract_problems
from mnist_edge.runtime import OnnxModel


def describe(path: str | os.PathLike | None) -> dict:
    """Everything `info` shows, as a JSON-ready dict; UserError if the file is no usable model."""
    model = OnnxModel(path, check=False)  # checks all but the contract, then loads it
    checked, proto = model.checked, model.checked.proto
    meta = model.session.get_modelmeta()
    problems = contract_problems(proto)
    return {
        "file": str(checked.path),
        "bytes": len(checked.data),
        "sha256": checked.sha256,
        "card": str(checked.card_path) if checked.card_path else None,
        "card_sha256": _card_check(checked),
        "precision": checked.precision,
        "ir_version": proto.ir_version,
        "opsets": {domain or "ai.onnx": version for domain, version in proto.opsets.items()},
        "producer": proto.producer or meta.producer_name,
        "graph": meta.graph_name,
        "inputs": [v.describe() for v in proto.inputs],
        "outputs": [v.describe() for v in proto.outputs],
        "runtime_contract": "ok" if not problems else "; ".join(problems),
        "ops": dict(sorted(proto.op_types.items())),
        "external_data": [location for _, location in proto.external_data],
        "metadata": dict(sorted(meta.custom_metadata_map.items())),
        "card_entry": checked.card,
    }


def _card_check(checked) -> str:
    if checked.card_path is None:
        return "no model_card.json beside the model"
    if not checked.card or not checked.card.get("sha256"):
        return "the model card does not list this file"
    return "matches"  # read_model refuses a mismatch


def render(info: dict) -> str:
    """The dict of describe() as aligned 'key: value' lines, metadata and card entry indented."""
    lines = []
    mib = info["bytes"] / 2**20
    simple = [
        ("file", info["file"]), ("size", f"{info['bytes']:,} bytes ({mib:.2f} MiB)"),
        ("sha256", info["sha256"]), ("model card", f"{info['card'] or '-'} ({info['card_sha256']})"),
        ("precision", info["precision"].upper()), ("ir version", info["ir_version"]),
        ("opsets", ", ".join(f"{d} {v}" for d, v in info["opsets"].items())),
        ("producer", info["producer"] or "-"), ("graph", info["graph"] or "-"),
    ]
    simple += [("input", v) for v in info["inputs"]] + [("output", v) for v in info["outputs"]]
    simple += [("runtime contract", info["runtime_contract"]),
               ("ops", ", ".join(f"{op} x{n}" for op, n in info["ops"].items())),
               ("external data", ", ".join(info["external_data"]) or "none")]
    lines += [f"{key + ':':<18}{value}" for key, value in simple]
    lines += _section("metadata (metadata_props)", info["metadata"])
    lines += _section("model card entry", info["card_entry"] or {})
    return "\n".join(lines)


def _section(title: str, entries: dict) -> list[str]:
    if not entries:
        return [f"{title + ':':<18}none"]
    width = max(len(k) for k in entries) + 2
    return [f"{title}:"] + [f"  {k + ':':<{width}}{_short(v)}" for k, v in entries.items()]


def _short(value, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
