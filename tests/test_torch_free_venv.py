"""The runtime in a real venv with only the base install: no torch, no onnx, no onnxscript.

Builds the wheel, installs it into a fresh venv (the packages come from the registry) and
runs the commands there, as a Raspberry Pi user would.
"""

from __future__ import annotations

import subprocess

import pytest

pytestmark = pytest.mark.slow


def run(bin_dir, *args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "mnist-edge"), *args], capture_output=True, text=True,
                          timeout=300, **kw)


def test_base_install_has_no_torch_onnx_onnxscript(runtime_venv):
    probe = subprocess.run(
        [str(runtime_venv / "python"), "-c",
         "import importlib.util as u; print([m for m in ('torch', 'onnx', 'onnxscript', "
         "'mnist_edge', 'onnxruntime') if u.find_spec(m)])"],
        capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "['mnist_edge', 'onnxruntime']"


def test_only_top_level_package_is_mnist_edge(runtime_venv):
    probe = subprocess.run(
        [str(runtime_venv / "python"), "-c",
         "import importlib.util as u; print([m for m in ('train', 'export', 'artifacts', "
         "'mnist_edge.train', 'mnist_edge.export') if u.find_spec(m)])"],
        capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "['mnist_edge.train', 'mnist_edge.export']"


@pytest.mark.parametrize("command", ["train", "export"])
def test_torch_commands_say_which_extra_to_install(runtime_venv, command):
    result = run(runtime_venv, command)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "torch==2.13.0" in lines[0] and "[train]" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_help_works_without_torch(runtime_venv):
    result = run(runtime_venv, "--help")
    assert result.returncode == 0
    for command in ("train", "export", "predict", "eval", "info", "bench"):
        assert command in result.stdout
