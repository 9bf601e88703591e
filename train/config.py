"""TrainConfig: every option of `mnist-edge train`, with its default. Imports no torch.

The CLI reads its defaults from here without importing torch, so `--help` and the
runtime commands stay fast; the trainer takes it as its one argument.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class TrainConfig:
    epochs: int = 20
    batch_size: int = 128
    optimizer: str = "adamw"  # adamw | sgd (Nesterov momentum 0.9)
    lr: float = 4e-3  # peak learning rate of the one-cycle schedule
    weight_decay: float = 0.05  # decoupled (AdamW)
    label_smoothing: float = 0.1
    dropout: float = 0.1
    rotate_deg: float = 10.0
    scale: float = 0.1
    shift_px: float = 2.0
    clean_epochs: int = 2  # the last N epochs train on unaugmented images
    elastic_alpha: float = 0.0  # elastic distortion strength, pixels; 0 = off
    elastic_sigma: float = 4.0  # smoothness of the elastic field, pixels
    ema_decay: float = 0.0  # per-step decay of an exponential moving average of the weights; 0 = off
    # Imaging augmentation (imaging.py): probability p_* per image and strength of each transform.
    p_stroke: float = 0.3  # stroke width: blend towards a 3x3 dilation or erosion
    stroke: float = 1.0  # largest blend factor (1 = a full dilation/erosion)
    p_contrast: float = 0.3  # faint ink on a grey floor
    min_ink: float = 0.4  # ink brightness drawn in [min_ink, 1]
    max_floor: float = 0.3  # grey floor drawn in [0, max_floor]
    p_blur: float = 0.2  # gaussian blur
    max_blur: float = 1.2  # sigma drawn in [0.3, max_blur] pixels
    p_noise: float = 0.2  # gaussian noise
    max_noise: float = 0.15  # standard deviation drawn in [0, max_noise]
    p_line: float = 0.15  # a ruled line crossing the digit
    p_erase: float = 0.1  # a small rectangle erased
    # Outlier exposure (negatives.py): synthetic non-digits pushed towards a uniform softmax.
    oe_weight: float = 0.5  # weight of their loss (cross-entropy to uniform); 0 = off
    oe_fraction: float = 0.25  # negatives per batch, as a fraction of the batch size
    validation: int = 10_000  # the last N training images are held out for every choice; 0 = none
    max_refused: float = 0.01  # the "not a digit" threshold refuses at most this share of validation digits
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # torch intra-op threads on CPU; 0 = torch's default
    limit: int = 0  # train on the first N training images (and N validation and test images); 0 = all
    out: str = "runs/train"
    data_dir: str | None = None
    resume: bool = False

    def __post_init__(self):
        # Folders may come in as Paths (the CLI); kept as str so the config is plain JSON.
        self.out = str(self.out)
        self.data_dir = None if self.data_dir is None else str(self.data_dir)

    def recipe(self) -> dict:
        """The fields that decide the result: a resumed run must match them."""
        ignore = {"out", "data_dir", "resume", "device", "threads"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ignore}
