"""Short, distinct labels for model files shown side by side (eval's columns, bench's rows).

What it is: distinct_names(paths): each file's name, with as many parent folders as it takes
to tell files apart ("mnist_cnn.int8.onnx" and "runs/export/mnist_cnn.int8.onnx" ->
"artifacts/mnist_cnn.int8.onnx", "export/mnist_cnn.int8.onnx"); the same file given twice
keeps the same label plus "#2". What it isn't: a path shortener for anything else.
"""

from __future__ import annotations

import os
from pathlib import Path


def distinct_names(paths: list[str | os.PathLike]) -> list[str]:
    """A label per path, distinct from the others' (see the module docstring)."""
    parts = [Path(os.path.abspath(p)).parts for p in paths]
    depth = 1
    unique = list(dict.fromkeys(parts))  # the same file given twice is no clash
    while True:
        labels = {p: "/".join(p[-depth:]).lstrip("/") for p in unique}
        names = list(labels.values())
        if len(set(names)) == len(names) or depth >= max(len(p) for p in unique):
            break
        depth += 1
    labels = [labels[p] for p in parts]
    seen: dict[str, int] = {}
    out = []
    for label in labels:  # the very same file twice: numbered
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return out
