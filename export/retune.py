"""`mnist-edge export --from-export DIR`: an export again, with new not-a-digit thresholds.

What it is: retune(cfg) copies the export in DIR (the models its card lists, golden vectors,
QDQ report) into cfg.out with --min-confidence and --min-logsumexp written into each model's
metadata (ONNX metadata_props; the TFLite metadata entry) and into the card, whose sizes,
SHA-256s and MODEL_CARD.md follow and which records the command. No checkpoint, no torch: the
thresholds are a choice made on validation data after training (bench/scripts/
photoset_issue10.py threshold), and the weights stay bit for bit. --out is published whole,
as by an export (mnist_edge.publish).
What it isn't: a fit of the thresholds, or a way to change anything but them.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from rich.console import Console

from mnist_edge.contract import CARD_JSON, CARD_MD, command_line
from mnist_edge.errors import UserError
from mnist_edge.export.card import calibration_entry, file_entries, write_card
from mnist_edge.export.config import ExportConfig
from mnist_edge.export.files import is_export_name
from mnist_edge.model.check import sha256_of
from mnist_edge.fsguard import writing
from mnist_edge.publish import publish_folder, staging

THRESHOLDS = ("min_confidence", "min_logsumexp")  # the metadata keys this rewrites


def retune(cfg: ExportConfig, console: Console | None = None) -> dict:
    """Copy the export in cfg.from_export into cfg.out with cfg's thresholds; returns the card."""
    console = console or Console()
    source = Path(cfg.from_export)
    card = _read_card(source)
    given = {key: getattr(cfg, key) for key in THRESHOLDS if getattr(cfg, key) is not None}
    if not given:
        raise UserError("--from-export: give --min-confidence, --min-logsumexp or both")
    for name, entry in card["models"].items():
        if not (source / name).is_file() or sha256_of(source / name) != entry.get("sha256"):
            raise UserError(f"{source / name}: not the file its model card describes "
                            "(missing or changed since the export)")
    with staging(cfg.out, is_export_name) as work, writing(work):
        for entry in sorted(source.iterdir()):
            if is_export_name(entry.name) and entry.name not in (*card["models"], CARD_JSON, CARD_MD):
                copy = shutil.copytree if entry.is_dir() else shutil.copy2
                copy(entry, work / entry.name)  # golden vectors, QDQ report
        for name in card["models"]:
            _write_thresholds(source / name, work / name, given)
        files = file_entries(work, list(card["models"]))
        for name, entry in files.items():
            card["models"][name].update(entry)
            card["files"][name] = entry
        card["training"] |= given | ({"min_confidence_source": "export --from-export --min-confidence"}
                                     if "min_confidence" in given else {})
        card["calibration"] = calibration_entry(card["training"])
        card["thresholds_set"] = {"command": cfg.command or command_line(), "from": str(source),
                                  "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                  "values": given}
        written = write_card(card, work)
        publish_folder(work, cfg.out, is_export_name)
    console.print(f"wrote {cfg.out}/: {', '.join([*card['models'], *written])} with "
                  + ", ".join(f"{k} {v}" for k, v in given.items()), soft_wrap=True)
    return card


def _read_card(source: Path) -> dict:
    try:
        card = json.loads((source / CARD_JSON).read_text(encoding="utf-8"))
        card["models"], card["files"], card["training"]  # noqa: B018 (an export's card has them)
        return card
    except FileNotFoundError:
        raise UserError(f"{source / CARD_JSON}: no model card (--from-export takes an export's folder)") from None
    except (ValueError, KeyError, TypeError) as e:
        raise UserError(f"{source / CARD_JSON}: not an export's model card ({e})") from None


def _write_thresholds(src: Path, dst: Path, values: dict[str, float]) -> None:
    """The model file src with `values` (JSON numbers) in its metadata, written to dst."""
    encoded = {key: json.dumps(value) for key, value in values.items()}
    if src.suffix == ".onnx":
        import onnx

        from mnist_edge.export.files import save_self_contained
        from mnist_edge.export.metadata import set_metadata

        save_self_contained(set_metadata(onnx.load(src), encoded), dst)
    else:  # .tflite: its one metadata entry, JSON {key: string}
        from importlib.util import find_spec

        if find_spec("ai_edge_litert") is None:
            raise UserError(f"{src}: rewriting a .tflite needs ai-edge-litert (the [litert] extra)")
        from mnist_edge.backends.litert import METADATA_NAME, metadata_entry
        from mnist_edge.export.tflite_graph import with_metadata

        data = src.read_bytes()
        meta = json.loads(metadata_entry(data, METADATA_NAME) or b"{}")
        dst.write_bytes(with_metadata(data, METADATA_NAME, {**meta, **encoded}))
