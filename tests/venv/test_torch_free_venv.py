"""The runtime in a real venv with only the base install: no torch, no onnx, no onnxscript.

Builds the wheel, installs it into a fresh venv (the packages come from the registry) and
runs the commands there, as a Raspberry Pi user would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

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
        capture_output=True, text=True, check=True, cwd=runtime_venv)  # not the checkout's train/, export/
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


# --- the runtime commands in the base install (predict, eval, info) ------------------------


def installed_artifacts(bin_dir) -> Path:
    probe = subprocess.run([str(bin_dir / "python"), "-c",  # cwd: not the checkout, whose
                            "from mnist_edge.model.check import artifacts_dir; print(artifacts_dir())"],
                           capture_output=True, text=True, check=True, cwd=bin_dir)  # mnist_edge/ would win
    return Path(probe.stdout.strip())


def test_shipped_files_come_from_the_installed_package(runtime_venv):
    folder = installed_artifacts(runtime_venv)
    assert "site-packages" in folder.parts and REPO not in folder.parents
    assert (folder / "mnist_cnn.int8.onnx").is_file() and (folder / "model_card.json").is_file()
    assert len(list((folder / "samples").glob("digit_*.png"))) == 10
    assert (folder / "samples" / "ATTRIBUTION.md").is_file()


def test_predict_in_the_base_install(runtime_venv, tmp_path):
    samples = installed_artifacts(runtime_venv) / "samples"
    result = run(runtime_venv, "predict", "--json", str(samples), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["digit"] for r in rows] == [int(Path(r["file"]).name[6]) for r in rows] and len(rows) == 10
    table = run(runtime_venv, "predict", str(samples / "digit_7_idx0.png"), "--top-k", "2", cwd=tmp_path)
    assert table.returncode == 0 and table.stdout.splitlines()[1].split()[1] == "7"
    bad = run(runtime_venv, "predict", "missing.png", cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: missing.png: file not found"


def test_info_in_the_base_install(runtime_venv, tmp_path):
    result = run(runtime_venv, "info", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    card = json.loads((installed_artifacts(runtime_venv) / "model_card.json").read_text())
    assert info["sha256"] == card["models"]["mnist_cnn.int8.onnx"]["sha256"]
    assert info["card_sha256"] == "matches" and info["runtime_contract"] == "ok"


@pytest.mark.mnist
@pytest.mark.parametrize("limit", [300, 0])  # a quick run, and one full run of 10,000 images
def test_eval_in_the_base_install(runtime_venv, mnist_dir, tmp_path, limit):
    result = run(runtime_venv, "eval", "--json", "--data-dir", str(mnist_dir), "--limit", str(limit),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["images"] == (limit or 10_000)
    card = json.loads((installed_artifacts(runtime_venv) / "model_card.json").read_text())
    for m in report["models"]:
        assert m["card_accuracy"] == card["models"][m["model"]]["test_accuracy"]
        if not limit:
            assert abs(m["accuracy"] - m["card_accuracy"]) <= 1e-4
