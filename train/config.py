"""TrainConfig: every option of `mnist-edge train`, its default, help and unit. Imports no torch.

The CLI is built from these fields (mnist_edge.options), so `--help` and the runtime commands
stay fast and each option is declared once; the trainer takes the config as its one argument.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from mnist_edge.data import DATA_DIR_HELP
from mnist_edge.errors import UserError
from mnist_edge.options import option

@dataclass
class TrainConfig:
    epochs: int = option(20, "Passes over the training images.", min=1)
    batch_size: int = option(128, "Images per optimiser step.", min=1)
    optimizer: str = option("adamw", "adamw, or sgd (Nesterov momentum 0.9).")
    lr: float = option(4e-3, "Peak learning rate of the one-cycle schedule.")
    weight_decay: float = option(0.05, "Decoupled weight decay (AdamW) or L2 (SGD).")
    label_smoothing: float = option(0.1, "Label smoothing of the cross-entropy loss, 0 = off.")
    dropout: float = option(0.1, "Dropout before each fully connected layer (training only).")
    rotate_deg: float = option(10.0, "Augmentation: max random rotation.", "degrees")
    scale: float = option(0.1, "Augmentation: max random zoom, as a fraction (0.1 = +-10%).")
    shift_px: float = option(2.0, "Augmentation: max random shift.", "pixels")
    clean_epochs: int = option(2, "The last N epochs train on unaugmented images (all of them "
                                  "when N >= --epochs).", min=0)
    elastic_alpha: float = option(0.0, "Augmentation: elastic distortion strength; 0 = off.", "pixels")
    elastic_sigma: float = option(4.0, "Augmentation: smoothness of the elastic field.", "pixels")
    ema_decay: float = option(0.0, "Per-step decay of a moving average of the weights that is "
                                   "evaluated and shipped; 0 = off.")
    # Imaging augmentation (imaging.py): probability p_* per image and strength of each transform.
    p_stroke: float = option(0.3, "Imaging augmentation: share of images whose strokes are thickened or thinned.")
    stroke: float = option(1.0, "Largest blend towards a 3x3 dilation or erosion (1 = a full one).")
    p_contrast: float = option(0.3, "Imaging augmentation: share of images with faint ink on a grey floor.")
    min_ink: float = option(0.4, "Faint ink: brightness drawn in [min-ink, 1].")
    max_floor: float = option(0.3, "Faint ink: grey floor drawn in [0, max-floor].")
    p_blur: float = option(0.2, "Imaging augmentation: share of images blurred (gaussian).")
    max_blur: float = option(1.2, "Largest blur sigma, drawn in [0.3, max-blur].", "pixels")
    p_noise: float = option(0.2, "Imaging augmentation: share of images with gaussian noise.")
    max_noise: float = option(0.15, "Largest noise standard deviation (pixels in [0, 1]).")
    p_line: float = option(0.15, "Imaging augmentation: share of images crossed by a ruled line.")
    p_erase: float = option(0.1, "Imaging augmentation: share of images with a small rectangle erased.")
    # Outlier exposure (negatives.py): synthetic non-digits pushed towards a uniform softmax.
    oe_weight: float = option(0.5, "Weight of the non-digit loss (cross-entropy to uniform); 0 = off.")
    oe_fraction: float = option(0.25, "Synthetic non-digits per batch, as a fraction of the batch size.")
    oe_glyphs: float = option(0.0, "Share of the non-digits that are hand-drawn letters and symbols.")
    oe_touching: bool = option(False, "Two-digit non-digits framed as one mark, apart, touching or "
                                      "overlapping (else side by side at half size).")
    p_piece: float = option(0.0, "Share of digits replaced by their piece cut out of touching neighbours, "
                                 "as read's cuts leave it (pieces.py); 0 = off.")
    validation: int = option(10_000, "The last N training images are held out for every choice "
                                     "(temperature, threshold); 0 = none.", "images", min=0)
    max_refused: float = option(0.01, "The not-a-digit threshold refuses at most this share of "
                                      "validation digits.")
    seed: int = option(0, "Seed of weights, order, augmentation and dropout.")
    init: str = option("", "Start from these weights instead of random ones (fine-tuning): a checkpoint.pt, "
                           "or an exported FP32 .onnx such as the shipped mnist_cnn.onnx; '' = random.")
    device: str = option("auto", "auto (CUDA when available), cpu or cuda.")
    threads: int = option(0, "CPU threads for torch; 0 = torch's default.", min=0)
    limit: int = option(0, "Quick mode: use only the first N training (and validation and test) images; 0 = all.",
                        min=0)
    out: str = option("runs/train", "Folder for checkpoint.pt, metrics.json and curve.png.",
                      cli_type=Path)
    data_dir: str | None = option(None, DATA_DIR_HELP, cli_type=Path)
    resume: bool = option(False, "Continue the run in --out from its last completed epoch.")

    def __post_init__(self):
        # Folders may come in as Paths (the CLI); kept as str so the config is plain JSON.
        self.out = str(self.out)
        self.data_dir = None if self.data_dir is None else str(self.data_dir)
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-')} {getattr(self, name)}: must be at least 1")
        if self.limit < 0:
            raise UserError(f"--limit {self.limit}: must be 0 (all images) or more")

    def recipe(self) -> dict:
        """The fields that decide the result: a resumed run must match them."""
        ignore = {"out", "data_dir", "resume", "device", "threads"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ignore}
