"""After training: temperature and "not a digit" threshold fitted on validation, then the test once.

What it is: logits of a model over uint8 images; the temperature T minimising the validation
NLL (mnist_edge.calibration, numpy); the top-probability threshold `min_confidence` under
which at most cfg.max_refused of the validation digits fall; the share of held-out synthetic
negatives (negatives.py under a seed no training epoch uses) that it refuses; and the one
test-set evaluation: accuracy, NLL and ECE at T, digits refused.
What it isn't: the training loop (trainer.py) or the export, which bakes T into the graph.
"""

from __future__ import annotations

import numpy as np
import torch

from mnist_edge.calibration import (expected_calibration_error, fit_temperature, nll,
                                    refusal_threshold, softmax)
from mnist_edge.train.imaging import ImagingParams, imaging
from mnist_edge.train.negatives import negatives

NEGATIVES_SEED = 987_654_321  # no training epoch draws from it (those use seed * 1000 + epoch)
HELD_OUT_NEGATIVES = 3000


@torch.no_grad()
def logits_of(model: torch.nn.Module, pixels: torch.Tensor) -> np.ndarray:
    """(N, 1, 28, 28) float32 in [0, 1] -> (N, 10) float64 logits of the eval-mode model."""
    model.eval()
    chunks = [model(pixels[i : i + 1000].contiguous(memory_format=torch.channels_last))
              for i in range(0, len(pixels), 1000)]
    return torch.cat(chunks).double().numpy()


def held_out_negatives(digits_u8: torch.Tensor, params: ImagingParams, glyph_share: float,
                       touching: bool, n: int = HELD_OUT_NEGATIVES) -> torch.Tensor:
    """Synthetic negatives under a seed of their own; pairs built from the given (validation) digits.

    Half of them go through the imaging augmentation (when it is configured), as photos would.
    """
    gen = torch.Generator().manual_seed(NEGATIVES_SEED)
    x = negatives(n, digits_u8[: 4 * n].float() / 255, gen, glyph_share, touching)  # (n, 1, 28, 28)
    if params.any():
        x[: n // 2] = imaging(x[: n // 2], params, gen)
    return x


def scores(logits: np.ndarray, labels: np.ndarray, temperature: float) -> dict:
    probs = softmax(logits, temperature)
    return {"accuracy": float(np.mean(probs.argmax(1) == labels)),
            "nll": nll(logits, labels, temperature),
            "ece": expected_calibration_error(probs, labels),
            "median_confidence": float(np.median(probs.max(1)))}


def refused(logits: np.ndarray, temperature: float, threshold: float) -> float:
    """Share of images whose top probability at T falls below the threshold."""
    return float(np.mean(softmax(logits, temperature).max(1) < threshold))


def calibrate(model, val: tuple, test: tuple, params: ImagingParams, max_refused: float,
              glyph_share: float, touching: bool) -> dict:
    """val, test: (uint8 (N, 1, 28, 28), int64 (N,)) tensors. Returns the calibration record."""
    to_pixels = lambda u8: u8.float() / 255  # noqa: E731  (N, 1, 28, 28) in [0, 1]
    val_logits, val_labels = logits_of(model, to_pixels(val[0])), val[1].numpy()
    temperature = fit_temperature(val_logits, val_labels)
    threshold = refusal_threshold(softmax(val_logits, temperature).max(1), max_refused)
    neg_logits = logits_of(model, held_out_negatives(val[0], params, glyph_share, touching))
    test_logits, test_labels = logits_of(model, to_pixels(test[0])), test[1].numpy()
    return {
        "temperature": temperature,
        "min_confidence": threshold,
        "validation": {"images": len(val_labels), "raw": scores(val_logits, val_labels, 1.0),
                       **scores(val_logits, val_labels, temperature),
                       "refused": refused(val_logits, temperature, threshold)},
        "synthetic_negatives": {"images": len(neg_logits), "seed": NEGATIVES_SEED,
                                "refused": refused(neg_logits, temperature, threshold)},
        "test": {"images": len(test_labels), "raw": scores(test_logits, test_labels, 1.0),
                 **scores(test_logits, test_labels, temperature),
                 "refused": refused(test_logits, temperature, threshold)},
    }
