"""The training curve, like the report's figure: train loss and validation accuracy per epoch
(test accuracy for runs without a validation split)."""

from __future__ import annotations

from pathlib import Path

from mnist_edge.atomic import atomic_path


def plot_curve(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    from matplotlib import pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker="o")
    ax_loss.set(xlabel="epoch", ylabel="train loss (cross-entropy)", title="training loss")
    watch = "validation" if "validation_accuracy" in history[0] else "test"
    ax_acc.plot(epochs, [100 * h[f"{watch}_accuracy"] for h in history], marker="o", color="C1")
    ax_acc.set(xlabel="epoch", ylabel=f"{watch} accuracy (%)", title=f"{watch} accuracy (10,000 images)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
