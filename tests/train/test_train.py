"""Training: the report's network, a smoke run whose loss falls, determinism, resume after kill.

Needs torch (the [train] extra) and the real MNIST files; small subsets keep it quick.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs torch (the [train] extra)")

from mnist_edge.train.checkpoint import load_checkpoint  # noqa: E402
from mnist_edge.train.config import TrainConfig  # noqa: E402
from mnist_edge.train.model import ReportCNN, count_parameters  # noqa: E402
from mnist_edge.train.trainer import train  # noqa: E402


def test_report_architecture_shapes_and_weight_count():
    model = ReportCNN().eval()
    shapes = {}
    for name in ("conv1", "conv2", "fc1", "fc2"):
        getattr(model, name).register_forward_hook(
            lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
    logits = model(torch.rand(3, 1, 28, 28))
    assert logits.shape == (3, 10)
    assert shapes == {"conv1": (16, 30, 30), "conv2": (32, 12, 12), "fc1": (160,), "fc2": (10,)}
    assert count_parameters(model) == 194_474


def small_config(tmp_path: Path, mnist_dir: Path, **overrides) -> TrainConfig:
    base = dict(limit=1500, epochs=3, batch_size=100, seed=7, threads=2,
                out=str(tmp_path), data_dir=str(mnist_dir))
    return TrainConfig(**{**base, **overrides})


def test_smoke_run_loss_falls_and_writes_outputs(tmp_path, mnist_dir):
    metrics = train(small_config(tmp_path, mnist_dir, limit=3000, epochs=3))
    losses = [e["train_loss"] for e in metrics["epochs"]]
    assert losses[-1] < losses[0] * 0.7, losses
    assert metrics["final_test_accuracy"] > 0.8  # 3,000 images, 3 epochs: far above chance
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk["parameters"] == 194_474
    assert on_disk["data_md5"]["t10k-images-idx3-ubyte.gz"] == "9fb629c4189551a2d022fa330f9573f3"
    assert {"torch", "numpy", "python"} <= set(on_disk["versions"])
    assert [e["epoch"] for e in on_disk["epochs"]] == [1, 2, 3]
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)  # plain tensors only
    assert state["normalization"] == {"mean": 0.1307, "std": 0.3081}
    assert set(state["model"]) == {f"{l}.{p}" for l in ("conv1", "conv2", "fc1", "fc2")
                                   for p in ("weight", "bias")}


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_same_seed_same_weights_on_cpu(tmp_path, mnist_dir):
    train(small_config(tmp_path / "a", mnist_dir, epochs=2))
    train(small_config(tmp_path / "b", mnist_dir, epochs=2))
    train(small_config(tmp_path / "c", mnist_dir, epochs=2, seed=8))
    a, b, c = (load_checkpoint(tmp_path / x / "checkpoint.pt")["model"] for x in "abc")
    assert same_weights(a, b)
    assert not same_weights(a, c)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from mnist_edge.cli import main; main()", *args]


def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path, mnist_dir):
    args = ["train", "--limit", "4000", "--epochs", "3", "--batch-size", "100", "--seed", "3",
            "--threads", "2", "--data-dir", str(mnist_dir)]
    subprocess.run(cli(*args, "--out", str(tmp_path / "whole")), check=True, capture_output=True)

    out = tmp_path / "killed"
    proc = subprocess.Popen(cli(*args, "--out", str(out)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.pt").exists():  # epoch 1 done: epoch 2 is under way
        assert proc.poll() is None and time.monotonic() < deadline, "run ended before epoch 1"
        time.sleep(0.01)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    interrupted = load_checkpoint(out / "checkpoint.pt")
    assert interrupted["epoch"] < 3, "the kill came too late to test resuming"
    assert not (out / "metrics.json").exists()

    done = subprocess.run(cli(*args, "--out", str(out), "--resume"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"resuming after epoch {interrupted['epoch']}" in done.stdout
    whole = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    resumed = load_checkpoint(out / "checkpoint.pt")
    assert resumed["epoch"] == 3
    assert same_weights(whole["model"], resumed["model"])
    assert [e["test_accuracy"] for e in whole["history"]] == [
        e["test_accuracy"] for e in resumed["history"]]


def test_resume_refuses_other_settings(tmp_path, mnist_dir):
    train(small_config(tmp_path, mnist_dir, epochs=1))
    from mnist_edge.errors import UserError

    with pytest.raises(UserError, match="different settings"):
        train(small_config(tmp_path, mnist_dir, epochs=1, lr=0.1, resume=True))


def test_bad_checkpoint_is_one_line_error(tmp_path):
    from mnist_edge.errors import UserError

    bad = tmp_path / "checkpoint.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(UserError, match=str(bad)):
        load_checkpoint(bad)
    with pytest.raises(UserError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")
