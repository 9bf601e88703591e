"""Run the real `mnist-edge` console script in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CARD = json.loads((ARTIFACTS / "model_card.json").read_text()) if (ARTIFACTS / "model_card.json").is_file() else {}


def mnist_edge(*args, cwd=None, bin_dir: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`mnist-edge ARGS...` from this venv's bin/ (or bin_dir); text output captured."""
    script = (bin_dir or Path(sys.executable).parent) / "mnist-edge"
    return subprocess.run([str(script), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def card_accuracy(name: str) -> float:
    return CARD["models"][name]["test_accuracy"]
