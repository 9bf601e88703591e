"""Issue 10: a tiny real run fits the temperature and threshold on validation; export carries T.

One short training run (1,500 images, 2 epochs, imaging augmentation and outlier exposure on)
and one FP32 export; the ONNX output must be the checkpoint network's logits divided by T.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs torch (the [train] extra)")
pytest.importorskip("onnx")

from rich.console import Console  # noqa: E402

from mnist_edge.calibration import nll  # noqa: E402
from mnist_edge.data.mnist import load_split  # noqa: E402
from mnist_edge.model.session import OnnxModel, as_model_input  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.mnist, pytest.mark.slow]
QUIET = Console(file=io.StringIO())


@pytest.fixture(scope="module")
def run(mnist_dir, tmp_path_factory):
    from mnist_edge.train.config import TrainConfig
    from mnist_edge.train.trainer import train

    out = tmp_path_factory.mktemp("train")
    metrics = train(TrainConfig(limit=1500, epochs=2, batch_size=100, threads=1, clean_epochs=1,
                                p_stroke=0.3, p_contrast=0.3, p_blur=0.2, p_noise=0.2,
                                p_line=0.1, p_erase=0.1, oe_weight=0.5,
                                data_dir=str(mnist_dir), out=str(out)), QUIET)
    return out, metrics


def test_temperature_fitted_on_validation_lowers_its_nll(run, mnist_dir):
    from mnist_edge.export.load import load_model
    from mnist_edge.train.checkpoint import load_checkpoint

    out, metrics = run
    state = load_checkpoint(out / "checkpoint.pt")
    cal = state["calibration"]
    assert state["temperature"] == metrics["temperature"] == cal["temperature"]
    assert cal["validation"]["images"] == 1500 and cal["test"]["images"] == 1500
    assert cal["validation"]["nll"] < cal["validation"]["raw"]["nll"]
    assert cal["validation"]["refused"] <= 0.01
    assert 0 < state["min_confidence"] < 1
    assert [set(e) for e in state["history"]] == [
        {"epoch", "train_loss", "validation_accuracy", "elapsed_s"}] * 2
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk["final_test_accuracy"] == cal["test"]["accuracy"]
    # Recompute the validation NLL at T from the raw network: the stored figure is real.
    model, _ = load_model(out / "checkpoint.pt")  # T folded in: these are logits / T
    val = load_split("train", mnist_dir)
    pixels = torch.from_numpy(as_model_input(val.images[50_000:51_500]))
    with torch.no_grad():
        logits = model(pixels).double().numpy()
    assert nll(logits, val.labels[50_000:51_500]) == pytest.approx(cal["validation"]["nll"], rel=1e-4)


def test_export_outputs_logits_divided_by_the_temperature(run, mnist_dir, tmp_path):
    from mnist_edge.export.config import ExportConfig
    from mnist_edge.export.pipeline import FP32_NAME, run_export
    from mnist_edge.train.checkpoint import load_checkpoint
    from mnist_edge.train.model import ReportCNN

    out, _ = run
    card = run_export(ExportConfig(checkpoint=str(out / "checkpoint.pt"), out=str(tmp_path),
                                   golden_sets=1, data_dir=str(mnist_dir), min_logsumexp=2.5,
                                   command="pytest"), QUIET)
    state = load_checkpoint(out / "checkpoint.pt")
    raw = ReportCNN().eval()
    raw.load_state_dict(state["model"])
    pixels = as_model_input(load_split("test", mnist_dir).images[:200])  # (200, 1, 28, 28)
    with torch.no_grad():
        expected = raw(torch.from_numpy(pixels)).numpy() / state["temperature"]
    session = OnnxModel(tmp_path / FP32_NAME)
    assert np.allclose(session.predict_logits(pixels), expected, atol=1e-4)
    meta = session.metadata
    assert json.loads(meta["temperature"]) == pytest.approx(state["temperature"])
    assert json.loads(meta["min_confidence"]) == pytest.approx(state["min_confidence"])
    assert card["calibration"]["min_confidence"] == state["min_confidence"]
    assert json.loads(meta["min_logsumexp"]) == card["calibration"]["min_logsumexp"] == 2.5
    assert 0 <= card["models"][FP32_NAME]["test_ece"] < 0.2
    assert "not a digit" in (tmp_path / "MODEL_CARD.md").read_text()
