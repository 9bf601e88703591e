"""What the bench scripts share: where the repository and the recorded results are.

Run a script as `python -m mnist_edge.bench.scripts.NAME` from the checkout (editable install);
each writes its figures into bench/results/.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"
ARTIFACTS = REPO / "artifacts"
