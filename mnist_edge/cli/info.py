"""`mnist-edge info MODEL`: what a model file is, as aligned plain text or JSON.

What it is: InfoConfig, run_info() and render() over mnist_edge.model.info.model_info().
What it isn't: the gathering of the facts (mnist_edge.model.info).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mnist_edge.options import option


@dataclass
class InfoConfig:
    model: str | None = option(None, "ONNX model file (default: the shipped INT8 model).",
                               cli_type=Path, argument=True)
    json_out: bool = option(False, "Print one JSON object instead of text.", flags=("--json",))


def run_info(cfg: InfoConfig) -> int:
    """Inputs/outputs, opset, size, SHA-256, FP32/INT8, metadata and model card of a model."""
    from mnist_edge.model.info import model_info

    details = model_info(cfg.model)
    print(json.dumps(details) if cfg.json_out else render(details))
    return 0


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
