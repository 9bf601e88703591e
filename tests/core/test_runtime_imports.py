"""The runtime commands never import torch, onnx or onnxscript, and predict stays lean.

Each command runs in a fresh interpreter through the real entry point (mnist_edge.cli.main
via runpy, sys.argv set); an atexit hook prints sorted(sys.modules) after the command has
finished, whatever its exit code. The dev venv HAS torch/onnx/onnxscript installed, so their
absence proves the code never asks for them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers.clirun import ARTIFACTS

FORBIDDEN = ("torch", "onnx", "onnxscript")
# predict's start-up path (bench/scripts/startup.py): none of these may load for a plain predict
NOT_ON_PREDICT_PATH = ("typer", "rich", "pydantic", "pooch", "mnist_edge.data.mnist", "mnist_edge.data.download",
                       "mnist_edge.cli.eval", "mnist_edge.cli.info", "numpy.ma", "importlib.resources",
                       "ai_edge_litert", "mnist_edge.backends.litert")  # LiteRT only when asked

PROBE = """
import atexit, json, sys
atexit.register(lambda: print("MODULES=" + json.dumps(sorted(sys.modules))))
sys.argv = ["mnist-edge", *json.loads(sys.argv[1])]
from mnist_edge.cli import main
main()
"""


def modules_after(args: list[str]) -> tuple[set[str], subprocess.CompletedProcess]:
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps([str(a) for a in args])],
                            capture_output=True, text=True, timeout=300)
    line = next(l for l in result.stdout.splitlines() if l.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES="))), result


def loaded(modules: set[str], roots) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


SAMPLE = next((ARTIFACTS / "samples").glob("digit_7_*.png"), ARTIFACTS / "samples")


@pytest.mark.parametrize("args", [
    ["predict", SAMPLE],
    ["predict", "--json", "--top-k", "3", ARTIFACTS / "samples"],
    ["predict", "missing.png"],
    ["info"],
    ["info", "--json", ARTIFACTS / "mnist_cnn.onnx"],
    ["predict", "--help"],
])
def test_runtime_commands_import_no_torch_onnx_onnxscript(args):
    modules, result = modules_after(args)
    assert "mnist_edge.errors" in modules, result.stderr  # the CLI ran
    if "--help" not in args:
        assert "onnxruntime" in modules, result.stderr
    assert loaded(modules, FORBIDDEN) == [], result.stderr


@pytest.mark.mnist
def test_eval_imports_no_torch_onnx_onnxscript(mnist_dir, tmp_path):
    modules, result = modules_after(["eval", "--data-dir", mnist_dir, "--limit", "100",
                                     "--plot", tmp_path / "cm.png"])
    assert result.returncode == 0, result.stderr
    assert "mnist_edge.cli.eval" in modules and "mnist_edge.cli.plots" in modules
    assert loaded(modules, FORBIDDEN) == []


def test_predict_start_up_path_is_lean():
    modules, result = modules_after(["predict", SAMPLE])
    assert result.returncode == 0, result.stderr
    assert loaded(modules, NOT_ON_PREDICT_PATH) == []
    assert "mnist_edge.cli.fast" in modules  # typer's parameter coercion (pydantic) was bypassed


def test_runtime_modules_name_no_forbidden_import():
    """A static check as well: no import statement of torch/onnx/onnxscript in the runtime's own modules."""
    import re
    from pathlib import Path

    import mnist_edge

    core = Path(mnist_edge.__file__).parent
    pattern = re.compile(r"^\s*(import|from)\s+(torch|onnx|onnxscript)(\s|\.|$)", re.M)
    modules = sorted(core.rglob("*.py"))
    assert len(modules) > 20
    for path in modules:
        assert not pattern.search(path.read_text()), path
