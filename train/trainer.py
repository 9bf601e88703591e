"""The training loop: the report's CNN on MNIST with a modern recipe, on CUDA or CPU.

What it is: TrainConfig (every CLI option of `mnist-edge train`), the epoch loop (random
affine and imaging augmentation, outlier exposure to synthetic non-digits, AdamW with a
one-cycle schedule, label smoothing, dropout), per-epoch evaluation on the validation split
(the last cfg.validation training images, never trained on), an atomic checkpoint each epoch
and exact --resume, then temperature and "not a digit" threshold fitted on validation, the
test set evaluated once (calibrate.py), metrics.json and the training curve. Deterministic for a seed on CPU: every epoch draws
its order, its augmentation and its dropout from generators seeded by (seed, epoch), so a
run resumed at an epoch boundary repeats the uninterrupted one exactly.
What it isn't: the config (config.py), model (model.py), augmentation (augment.py) or
checkpoint format (checkpoint.py).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from torch.nn import functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from mnist_edge.atomic import atomic_write_text
from mnist_edge.contract import MNIST_MEAN, MNIST_STD, versions
from mnist_edge.data.mnist import data_checksums, load_split
from mnist_edge.errors import UserError
from mnist_edge.model.check import sha256_of
from mnist_edge.fsguard import check_writable_folder
from mnist_edge.train.augment import random_affine
from mnist_edge.train.calibrate import calibrate
from mnist_edge.train.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from mnist_edge.train.config import TrainConfig
from mnist_edge.train.imaging import ImagingParams, imaging
from mnist_edge.train.init_weights import load_initial
from mnist_edge.train.negatives import negatives
from mnist_edge.train.pieces import cut_pieces
from mnist_edge.train.model import ARCH, ReportCNN, count_parameters


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available to torch")
    if name not in ("cpu", "cuda"):
        raise UserError(f"--device {name}: expected auto, cpu or cuda")
    return torch.device(name)


def split_ranges(cfg: TrainConfig, n_train: int = 60_000, n_test: int = 10_000) -> dict[str, range]:
    """Indices of train / validation (into the training file) and test, --limit applied to each.

    Validation is the LAST cfg.validation training images, so train and validation never overlap.
    """
    cut = n_train - cfg.validation
    cap = (lambda r: r[: cfg.limit]) if cfg.limit else (lambda r: r)
    return {"train": cap(range(0, cut)), "validation": cap(range(cut, n_train)),
            "test": cap(range(0, n_test))}


def load_tensors(cfg: TrainConfig, device: torch.device):
    """MNIST as uint8 tensors on the device: (N, 1, 28, 28) images and (N,) int64 labels,
    for train, validation (empty when cfg.validation is 0) and test."""
    if not 0 <= cfg.validation < 60_000:
        raise UserError(f"--validation {cfg.validation}: expected 0 to 59999 images")
    files = {"train": load_split("train", cfg.data_dir), "test": load_split("test", cfg.data_dir)}
    out = []
    for name, idx in split_ranges(cfg).items():
        data = files["test" if name == "test" else "train"]
        sl = slice(idx.start, idx.stop)
        images = torch.from_numpy(data.images[sl].copy()).unsqueeze(1).to(device)
        out += [images, torch.from_numpy(data.labels[sl].astype(np.int64)).to(device)]
    return out


def imaging_params(cfg: TrainConfig) -> ImagingParams:
    return ImagingParams(**{f: getattr(cfg, f) for f in ImagingParams.__dataclass_fields__})


def uniform_loss(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of softmax(logits) to the uniform distribution over the 10 digits."""
    return (torch.logsumexp(logits, 1) - logits.mean(1)).mean()


def to_pixels(images_u8: torch.Tensor) -> torch.Tensor:
    return images_u8.float().div_(255)  # (N, 1, 28, 28) float32 in [0, 1]


def channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last)  # ~30% faster CPU convolutions


@torch.no_grad()
def evaluate(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(labels), 1000):
        logits = model(channels_last(to_pixels(images[start : start + 1000])))
        correct += (logits.argmax(1) == labels[start : start + 1000]).sum().item()
    return correct / len(labels)


def train_one_epoch(model, ema, opt, sched, images, labels, cfg, epoch, progress) -> float:
    """One pass over the shuffled training set; returns the mean training loss (digits' part)."""
    model.train()
    gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
    torch.manual_seed(cfg.seed * 1000 + epoch)  # dropout draws from the global generator
    order = torch.randperm(len(labels), generator=gen).to(labels.device)
    augment = epoch < cfg.epochs - cfg.clean_epochs  # the last clean_epochs see the images as they are
    task = progress.add_task(f"epoch {epoch + 1}", total=math.ceil(len(labels) / cfg.batch_size))
    total_loss = 0.0
    params = imaging_params(cfg)
    n_neg = round(cfg.oe_fraction * cfg.batch_size) if cfg.oe_weight > 0 else 0
    for start in range(0, len(labels), cfg.batch_size):
        idx = order[start : start + cfg.batch_size]
        x = to_pixels(images[idx])
        if n_neg:  # (n_neg, 1, 28, 28), pairs drawn from this batch's clean digits
            x = torch.cat([x, negatives(n_neg, x.cpu(), gen, cfg.oe_glyphs, cfg.oe_touching).to(x.device)])
        if augment and cfg.p_piece:  # some of the batch's digits as read's cut pieces
            x[: len(idx)] = cut_pieces(x[: len(idx)], cfg.p_piece, gen)
        if augment:
            x = random_affine(x, cfg.rotate_deg, cfg.scale, cfg.shift_px, gen,
                              cfg.elastic_alpha, cfg.elastic_sigma)
            if params.any():
                x = imaging(x.cpu(), params, gen).to(labels.device)
        logits = model(channels_last(x))
        loss = F.cross_entropy(logits[: len(idx)], labels[idx], label_smoothing=cfg.label_smoothing)
        if n_neg:
            loss_all = loss + cfg.oe_weight * uniform_loss(logits[len(idx):])
        else:
            loss_all = loss
        opt.zero_grad(set_to_none=True)
        loss_all.backward()
        opt.step()
        sched.step()
        if ema is not None:
            ema.update_parameters(model)
        total_loss += loss.item() * len(idx)
        progress.update(task, advance=1, description=f"epoch {epoch + 1} loss {loss.item():.4f}")
    progress.remove_task(task)
    return total_loss / len(labels)


def build(cfg: TrainConfig, device: torch.device, steps_per_epoch: int):
    model = ReportCNN(dropout=cfg.dropout).to(device, memory_format=torch.channels_last)
    if cfg.init:  # fine-tuning: the given weights in place of the seed's random ones
        load_initial(model, cfg.init)
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, nesterov=True,
                              weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    else:
        raise UserError(f"--optimizer {cfg.optimizer}: expected adamw or sgd")
    total = cfg.epochs * steps_per_epoch
    if total < 2:
        raise UserError(f"--epochs {cfg.epochs} over {steps_per_epoch} batch(es) of --batch-size "
                        f"{cfg.batch_size}: the one-cycle schedule needs at least 2 optimiser "
                        f"steps (raise --limit or --epochs, or lower --batch-size)")
    # Warm-up over 20% of the steps, but over more than one step: on a tiny quick run (5 steps)
    # 20% is one step and torch's OneCycleLR divides by zero.
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=total, pct_start=max(0.2, 1.5 / total))
    ema = None
    if cfg.ema_decay > 0:
        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay))
    return model, ema, opt, sched


def weights_to_ship(model, ema) -> torch.nn.Module:
    """The weights evaluated and exported: the moving average when there is one."""
    return ema.module if ema is not None else model


def restore(path: Path, cfg: TrainConfig, model, ema, opt, sched) -> tuple[int, list[dict]]:
    state = load_checkpoint(path, arch=ARCH)
    if state["config"]["recipe"] != cfg.recipe():
        raise UserError(f"{path}: --resume with different settings than the checkpoint's run")
    model.load_state_dict(state["train_model"])
    if ema is not None:
        ema.load_state_dict(state["ema"])
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    return state["epoch"], state["history"]


def train(cfg: TrainConfig, console: Console | None = None) -> dict:
    """Run the whole recipe; writes checkpoint.pt, metrics.json and curve.png into cfg.out."""
    console = console or Console()
    device = pick_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)  # the initial weights
    out = Path(cfg.out)
    created = not out.exists()
    check_writable_folder(out, "--out", create=True)  # before any epoch, not after the first
    if cfg.clean_epochs >= cfg.epochs:
        console.print(f"warning: --clean-epochs {cfg.clean_epochs} >= --epochs {cfg.epochs}: "
                      f"no epoch trains on augmented images")
    try:
        return _train(cfg, console, device, out)
    except BaseException:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # a failed run leaves no empty --out behind
        raise


def _train(cfg: TrainConfig, console: Console, device: torch.device, out: Path) -> dict:
    train_x, train_y, val_x, val_y, test_x, test_y = load_tensors(cfg, device)
    steps = math.ceil(len(train_y) / cfg.batch_size)
    model, ema, opt, sched = build(cfg, device, steps)
    console.print(f"report CNN: {count_parameters(model):,} parameters; {len(train_y):,} training / "
                  f"{len(val_y):,} validation / {len(test_y):,} test images on {device}")
    # Without a validation split the per-epoch figure falls back to the test set (and says so).
    watch, (watch_x, watch_y) = ("validation", (val_x, val_y)) if len(val_y) else ("test", (test_x, test_y))
    start_epoch, history = 0, []
    if cfg.resume and (out / CHECKPOINT_NAME).exists():
        start_epoch, history = restore(out / CHECKPOINT_NAME, cfg, model, ema, opt, sched)
        console.print(f"resuming after epoch {start_epoch} from {out / CHECKPOINT_NAME}")
    common = {"arch": ARCH, "normalization": {"mean": MNIST_MEAN, "std": MNIST_STD},
              "data_md5": data_checksums(cfg.data_dir), "versions": versions("torch", "numpy"),
              "config": {"recipe": cfg.recipe(), "device": str(device)},
              **({"init_sha256": sha256_of(cfg.init)} if cfg.init else {})}
    elapsed = history[-1]["elapsed_s"] if history else 0.0
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True)
    with progress:
        for epoch in range(start_epoch, cfg.epochs):
            t0 = time.perf_counter()
            loss = train_one_epoch(model, ema, opt, sched, train_x, train_y, cfg, epoch, progress)
            accuracy = evaluate(weights_to_ship(model, ema), watch_x, watch_y)
            elapsed += time.perf_counter() - t0
            history.append({"epoch": epoch + 1, "train_loss": loss, f"{watch}_accuracy": accuracy,
                            "elapsed_s": round(elapsed, 2)})
            console.print(f"epoch {epoch + 1:2d}/{cfg.epochs}  train loss {loss:.4f}  "
                          f"{watch} accuracy {accuracy:.2%}  elapsed {elapsed:.1f}s")
            save_checkpoint(out / CHECKPOINT_NAME, {
                **common, "model": weights_to_ship(model, ema).state_dict(), "epoch": epoch + 1,
                "history": history, "train_model": model.state_dict(),
                "ema": ema.state_dict() if ema is not None else {},
                "optimizer": opt.state_dict(), "scheduler": sched.state_dict()})
    shipped = weights_to_ship(model, ema).cpu()
    record = finish(shipped, cfg, (val_x.cpu(), val_y.cpu()), (test_x.cpu(), test_y.cpu()), console)
    state = load_checkpoint(out / CHECKPOINT_NAME, arch=ARCH)
    save_checkpoint(out / CHECKPOINT_NAME, {**{k: v for k, v in state.items() if k != "format"},
                                            **record})
    return write_results(out, cfg, common, history, model, record, console)


def finish(model, cfg: TrainConfig, val: tuple, test: tuple, console) -> dict:
    """Checkpoint keys added at the end: temperature, min_confidence, calibration (calibrate.py)."""
    if not len(val[1]):  # no validation split: nothing to fit on (never on the test set)
        accuracy = evaluate(model, *test)
        return {"temperature": 1.0, "min_confidence": 0.0, "calibration": {"test": {"accuracy": accuracy}}}
    c = calibrate(model, val, test, imaging_params(cfg), cfg.max_refused, cfg.oe_glyphs,
                  cfg.oe_touching)
    v, t = c["validation"], c["test"]
    console.print(f"validation: accuracy {v['accuracy']:.2%}, temperature {c['temperature']:.3f}, "
                  f"ECE {v['raw']['ece']:.2%} -> {v['ece']:.2%}; \"not a digit\" below "
                  f"{c['min_confidence']:.3f} refuses {v['refused']:.2%} of validation digits, "
                  f"{c['synthetic_negatives']['refused']:.1%} of held-out synthetic negatives")
    console.print(f"test (once): accuracy {t['accuracy']:.2%}, ECE {t['ece']:.2%} "
                  f"(before temperature {t['raw']['ece']:.2%}), refused {t['refused']:.2%}")
    return {"temperature": c["temperature"], "min_confidence": c["min_confidence"], "calibration": c}


def write_results(out: Path, cfg, common: dict, history: list[dict], model, record: dict,
                  console) -> dict:
    from mnist_edge.train.plot import plot_curve  # matplotlib only at the end

    metrics = {**common, "parameters": count_parameters(model), "epochs": history,
               "final_test_accuracy": record["calibration"]["test"]["accuracy"],
               "final_validation_accuracy": history[-1].get("validation_accuracy") if history else None,
               "temperature": record["temperature"], "min_confidence": record["min_confidence"],
               "calibration": record["calibration"],
               "wall_time_s": history[-1]["elapsed_s"] if history else 0.0,
               "test_images": min(cfg.limit, 10_000) if cfg.limit else 10_000,
               "config": {**common["config"], "full": asdict(cfg)}}
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    plot_curve(history, out / "curve.png")
    console.print(f"wrote {out / CHECKPOINT_NAME}, {out / 'metrics.json'}, {out / 'curve.png'}")
    return metrics
