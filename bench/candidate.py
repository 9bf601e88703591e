"""Candidate: one row of the benchmark, a model and how to run it with a given thread count.

What it isn't: the timing (loop.py) or the report (run.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from mnist_edge.bench.loop import RunFn


@dataclass
class Candidate:
    """One row of the benchmark: a model and how to run it with a given thread count."""

    label: str
    kind: str  # the runtime: "onnxruntime", "litert", "openvino" or "torch"
    path: str
    precision: str
    file_bytes: int
    sha256: str | None
    open: Callable[[int], RunFn] = field(repr=False)  # threads -> run function
    cold_start: dict | None = None
    note: str | None = None
    runs_as: str | None = None  # what the runtime really computes in, where it chooses (OpenVINO)
    accuracy: float | None = None  # on the MNIST test images, measured by the bench when present

    def to_dict(self) -> dict:
        entry = asdict(self)
        del entry["open"]
        return entry
