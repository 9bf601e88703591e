"""The model card: model_card.json (everything, machine-readable) and MODEL_CARD.md (short).

What it is: accuracies on the full test set, size and SHA-256 of each file written, the
command line, versions, data MD5s, the training run's summary and the quantization
settings, gathered into one dict and rendered twice.
What it isn't: the numbers themselves (accuracy.py, load.py, metadata.py compute them).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from mnist_edge.contract import CARD_JSON, CARD_MD, CLASS_LABELS, INPUT_DOC, OUTPUT_DOC
from mnist_edge.export.metadata import preprocessing
from mnist_edge.model.check import sha256_of



def file_entries(work: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """name -> {bytes, sha256} of each file in the work folder."""
    return {name: {"bytes": (work / name).stat().st_size, "sha256": sha256_of(work / name)}
            for name in names}


def build_card(*, command: str, summary: dict, checkpoint: dict, data_md5: dict,
               versions: dict, models: dict, evaluation: dict, files: dict,
               quantization: dict | None, golden: list[str], qdq_report: str | None,
               accuracies: dict[str, float] | None = None) -> dict:
    """The card as one JSON-ready dict; `models` maps file name -> precision; `accuracies`
    (file name -> test accuracy) overrides evaluation[f"{precision}_accuracy"] per file."""
    return {
        "model": summary.get("arch"),
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "models": {name: {"precision": precision, **files[name],
                          "test_accuracy": (accuracies or {}).get(
                              name, evaluation[f"{precision}_accuracy"]),
                          "test_ece": evaluation.get(f"{precision}_ece")}
                   for name, precision in models.items()},
        "calibration": calibration_entry(summary),
        "evaluation": evaluation,
        "interface": {"input": INPUT_DOC, "output": OUTPUT_DOC, "class_labels": CLASS_LABELS,
                      "preprocessing": preprocessing(**summary.get("normalization", {}))},
        "quantization": quantization,
        "training": summary,
        "checkpoint": checkpoint,
        "data_md5": data_md5,
        "versions": versions,
        "golden_test_data": sorted({name.split("/")[0] for name in golden}),
        "qdq_report": qdq_report,
        "files": files,
    }


def calibration_entry(summary: dict) -> dict:
    """Temperature (applied in the graph) and "not a digit" threshold, as fitted on validation."""
    cal = summary.get("calibration") or {}
    return {"temperature": summary.get("temperature", 1.0),
            "min_confidence": summary.get("min_confidence"),
            "min_confidence_source": summary.get("min_confidence_source", "checkpoint (train)"),
            "min_logsumexp": summary.get("min_logsumexp"),
            "fitted_on": (f"validation split ({cal['validation']['images']} images)"
                          if cal.get("validation") else None),
            "validation": cal.get("validation"), "synthetic_negatives": cal.get("synthetic_negatives")}


def _calibration_lines(card: dict) -> list[str]:
    cal, ev = card.get("calibration") or {}, card["evaluation"]
    if not cal.get("min_confidence"):
        return []
    eces = ", ".join(f"{p.upper()} {ev[f'{p}_ece']:.2%}" for p in ("fp32", "int8") if f"{p}_ece" in ev)
    refused = (cal.get("validation") or {}).get("refused")
    negatives = (cal.get("synthetic_negatives") or {}).get("refused")
    return ["", "## Probabilities and \"not a digit\"", "",
            f"The graph divides its logits by the temperature T = {cal['temperature']:.4f} fitted "
            f"on the validation split, so softmax gives calibrated probabilities: expected "
            f"calibration error on the test set {eces} (15 bins). An image whose top probability "
            f"is below min_confidence = {cal['min_confidence']:.4f} (from "
            f"{cal.get('min_confidence_source', 'the checkpoint')}) is not read as a digit. The "
            f"checkpoint's own threshold refused {_pct(refused)} of clean validation digits and "
            f"{_pct(negatives)} of held-out synthetic non-digits (shapes, scribbles, blank pages, "
            "digit pairs).", *_logsumexp_line(cal)]


def _logsumexp_line(cal: dict) -> list[str]:
    if cal.get("min_logsumexp") is None:
        return []
    return ["", f"An image whose logits' logsumexp is below min_logsumexp = {cal['min_logsumexp']:.4f} "
                "looks like no digit at all and is not read as one either (reason not_a_digit): "
                "letters, symbols and shapes score low on it where their top probability can "
                "still be high."]


def render_markdown(card: dict) -> str:
    """A short human summary of the card; model_card.json has the rest."""
    ev, tr = card["evaluation"], card["training"]
    lines = [f"# MNIST digit classifier ({card['model']})", "",
             "The report's CNN (2 conv + 2 max-pool + 2 fully connected layers) for 28x28 "
             "handwritten digits. Not for other scripts, photos without MNIST-style "
             "preprocessing, or anything safety-relevant.", "",
             f"| file | precision | size | test accuracy ({ev['test_images']:,} images) | SHA-256 |",
             "|---|---|---|---|---|"]
    for name, m in card["models"].items():
        lines.append(f"| `{name}` | {m['precision'].upper()} | {m['bytes'] / 1024:.0f} KiB | "
                     f"{m['test_accuracy']:.2%} | `{m['sha256'][:16]}…` |")
    if "int8_fp32_agreement" in ev:
        lines += ["", f"INT8 agrees with FP32 on {ev['int8_fp32_agreement']:.2%} of test images; "
                      f"it loses {ev['int8_drop_points']:.2f} points (bound "
                      f"{ev['max_int8_drop_points']}). Quantization: "
                      + ", ".join(f"{k} {v}" for k, v in card["quantization"].items()) + "."]
    lines += _calibration_lines(card)
    tflite = ev.get("tflite") or {}
    if "int8_fp32_agreement" in tflite:
        lines += ["", f"The .tflite files run on LiteRT (ai-edge-litert); TFLite INT8 agrees with "
                      f"TFLite FP32 on {tflite['int8_fp32_agreement']:.2%} of test images and loses "
                      f"{tflite['int8_drop_points']:.2f} points. Quantization: "
                      + ", ".join(f"{k} {v}" for k, v in tflite["quantization"].items()) + "."]
    lines += ["", "## Input and output", "",
              f"- input `image`: {card['interface']['input']}; the graph normalises it itself "
              f"({card['interface']['preprocessing']['in_graph']})",
              f"- output `logits`: {card['interface']['output']}", "",
              "## Training", "",
              f"{tr['epochs']} epochs, final test accuracy {_pct(tr['final_test_accuracy'])} on "
              f"{tr['test_images']:,} images, {tr['wall_time_s']} s on {tr['device']}; recipe: "
              + ", ".join(f"{k}={v}" for k, v in (tr["recipe"] or {}).items()) + ".", "",
              "## Provenance", "",
              f"- command: `{card['command']}`",
              *([f"- thresholds set by: `{card['thresholds_set']['command']}`"]
                if card.get("thresholds_set") else []),
              f"- checkpoint SHA-256: `{card['checkpoint']['sha256']}`",
              *([f"- fine-tuned from: `{tr['recipe'].get('init')}` (SHA-256 `{tr['init_sha256']}`)"]
                if tr.get("init_sha256") else []),
              "- data MD5: " + ", ".join(f"{k} `{v}`" for k, v in card["data_md5"].items()),
              "- versions: " + ", ".join(f"{k} {v}" for k, v in card["versions"].items()),
              f"- golden test vectors: {', '.join(card['golden_test_data']) or 'none'}", ""]
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2%}"


def write_card(card: dict, work: Path) -> list[str]:
    """Write both renderings into the work folder; returns their names."""
    (work / CARD_JSON).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (work / CARD_MD).write_text(render_markdown(card), encoding="utf-8")
    return [CARD_JSON, CARD_MD]
