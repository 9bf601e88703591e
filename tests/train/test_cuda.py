"""The CUDA training path: a short run on the GPU, its checkpoint read back on the CPU.

Skips where torch sees no CUDA device (this project's CI, the 2-core development machine); it
runs on a GPU machine when one is lent (`pytest tests/train/test_cuda.py` there), as the
recorded CUDA run in README.md ("Training on a GPU") did.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="needs torch (the [train] extra)")

from mnist_edge.train.checkpoint import load_checkpoint  # noqa: E402
from mnist_edge.train.config import TrainConfig  # noqa: E402
from mnist_edge.train.model import ReportCNN  # noqa: E402
from mnist_edge.train.trainer import evaluate, load_tensors, train  # noqa: E402

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def test_cuda_run_learns_and_its_checkpoint_reads_the_same_on_cpu(tmp_path, mnist_dir):
    cfg = TrainConfig(limit=3000, epochs=3, batch_size=100, seed=7, device="cuda",
                      out=str(tmp_path), data_dir=str(mnist_dir))
    metrics = train(cfg)
    assert metrics["config"]["device"].startswith("cuda")
    losses = [e["train_loss"] for e in metrics["epochs"]]
    assert losses[-1] < losses[0] * 0.7, losses
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert all(t.device.type == "cpu" for t in state["model"].values())  # loads without a GPU
    on_cpu = ReportCNN()
    on_cpu.load_state_dict(state["model"])
    *_, test_x, test_y = load_tensors(TrainConfig(limit=3000, data_dir=str(mnist_dir)), torch.device("cpu"))
    on_gpu = ReportCNN().to("cuda")
    on_gpu.load_state_dict(state["model"])
    cpu_accuracy = evaluate(on_cpu.to(memory_format=torch.channels_last), test_x, test_y)
    gpu_accuracy = evaluate(on_gpu.to(memory_format=torch.channels_last), test_x.cuda(), test_y.cuda())
    assert cpu_accuracy > 0.8  # 3,000 images, 3 epochs: far above chance
    assert abs(cpu_accuracy - gpu_accuracy) <= 2 / len(test_y)  # float sums differ, not the model
