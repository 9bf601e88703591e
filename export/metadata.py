"""The model describes itself: doc strings on input and output, and metadata_props.

What it is: the contract a user of the bare .onnx file needs (class labels, preprocessing,
what the numbers mean) and its provenance (checkpoint SHA-256, data MD5s, accuracy of the
training run, versions, and for INT8 the quantization settings), written into the
ModelProto. Values are strings; structured ones are JSON. onnxruntime shows them as
session.get_modelmeta().custom_metadata_map.
What it isn't: evaluation results of the export (those go in the model card, card.py).
"""

from __future__ import annotations

import json
from typing import Any

import onnx

from mnist_edge.contract import versions
from mnist_edge.contract import CLASS_LABELS, INPUT_DOC, MNIST_MEAN, MNIST_STD, OUTPUT_DOC



def export_versions() -> dict[str, str]:
    """Versions of everything that shaped the exported files."""
    return versions("torch", "onnx", "onnxscript", "onnxruntime", "numpy")


def preprocessing(mean: float = MNIST_MEAN, std: float = MNIST_STD) -> dict[str, Any]:
    """The input contract: what a caller feeds, and what the graph does to it itself."""
    return {"input": "image", "shape": ["N", 1, 28, 28], "dtype": "float32",
            "range": [0.0, 1.0], "scaling": "uint8 pixel / 255",
            "polarity": "white digit on black background (MNIST style)",
            "layout": "28x28, digit scaled into a 20x20 box, centred by centre of mass (MNIST style)",
            "in_graph": f"(x - {mean}) / {std}, the MNIST training-set mean and std"}


def model_metadata(summary: dict[str, Any], checkpoint_sha256: str, data_md5: dict[str, str],
                   precision: str, quantization: dict | None = None) -> dict[str, str]:
    """metadata_props of one exported model; `summary` is load.training_summary()."""
    meta = {
        "model": str(summary.get("arch")),
        "precision": precision,
        "class_labels": json.dumps(CLASS_LABELS),
        "preprocessing": json.dumps(preprocessing(**summary.get("normalization", {}))),
        "training_test_accuracy": json.dumps(summary.get("final_test_accuracy")),
        "training_test_images": json.dumps(summary.get("test_images")),
        "training_epochs": json.dumps(summary.get("epochs")),
        # Already applied in the graph (the logits are divided by it); recorded for provenance.
        "temperature": json.dumps(summary.get("temperature", 1.0)),
        # "Not a digit": refuse when the top softmax probability is below this (null: no threshold).
        "min_confidence": json.dumps(summary.get("min_confidence")),
        # "Not a digit" too when the logsumexp of the logits is below this (null: no such check).
        "min_logsumexp": json.dumps(summary.get("min_logsumexp")),
        "checkpoint_sha256": checkpoint_sha256,
        "data_md5": json.dumps(data_md5, sort_keys=True),
        "versions": json.dumps(export_versions(), sort_keys=True),
    }
    if quantization is not None:
        meta["quantization"] = json.dumps(quantization, sort_keys=True)
    return meta


def annotate(proto: onnx.ModelProto, meta: dict[str, str], title: str) -> onnx.ModelProto:
    """Set doc strings and metadata_props in place (replacing keys it sets, keeping others)."""
    proto.doc_string = title
    proto.graph.doc_string = title
    proto.graph.input[0].doc_string = INPUT_DOC
    proto.graph.output[0].doc_string = OUTPUT_DOC
    return set_metadata(proto, meta)


def set_metadata(proto: onnx.ModelProto, meta: dict[str, str]) -> onnx.ModelProto:
    """Set metadata_props in place: the keys of `meta` replaced, the others kept."""
    kept = [(p.key, p.value) for p in proto.metadata_props if p.key not in meta]
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, {**dict(kept), **meta})
    return proto
