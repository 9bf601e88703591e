"""Cut pieces as positives: a digit as `read` cuts it out of a touching neighbour, with its label.

What it is: each chosen digit gets a neighbour (another digit of the batch) written touching or
overlapping it on the left, the right or both sides, then is cut out again by a straight column
at the least ink of the junction, so that it keeps a tail of its neighbour or loses a sliver of
its own stroke, as `read`'s cut candidates do (mnist_edge/image/cuts.py), and is fitted as
preprocessing fits one mark (image.fit). Its label stays the digit's own: the network learns to
read such pieces with the confidence it has for whole digits, where it read a touching pair as
one digit more surely than either cut piece.
What it isn't: the two-digit marks the network must not read as one digit (negatives.py).
"""

from __future__ import annotations

import numpy as np
import torch

from mnist_edge.image.fit import fit

INK = 0.05  # a pixel with more is ink (the digits are in [0, 1])


def _columns(d: np.ndarray) -> tuple[int, int]:
    cols = np.flatnonzero((d > INK).any(0))
    return int(cols[0]), int(cols[-1]) + 1  # first and end-exclusive ink column


def _junction_cut(canvas: np.ndarray, lo: int, hi: int, rng: np.random.Generator) -> int:
    """The column of least ink in [lo, hi) of canvas (ties: a random one)."""
    profile = canvas[:, lo:hi].sum(0)
    least = np.flatnonzero(profile <= profile.min() + 1e-6)
    return lo + int(rng.choice(least))


def cut_piece(digit: np.ndarray, left: np.ndarray | None, right: np.ndarray | None,
              rng: np.random.Generator) -> np.ndarray | None:
    """(28, 28) digit and neighbours (or None) -> (28, 28) the digit cut out of the line they
    make together, fitted; None when nothing is left."""
    width = 28 * 3  # (32, 84): room for a neighbour each side and a baseline jitter of 4 px
    canvas = np.zeros((28 + 4, width), np.float32)
    canvas[2:30, 28:56] = digit
    lo, hi = (28 + c for c in _columns(digit))  # the digit's own ink columns on the canvas
    for side, other in (("left", left), ("right", right)):
        if other is None:
            continue
        b0, b1 = _columns(other)
        overlap = int(rng.integers(0, 5))  # 0: touching; 4: well into the digit's box
        start = (lo - (b1 - overlap)) if side == "left" else (hi - overlap - b0)
        start = int(np.clip(start, 0, width - 28))
        dy = int(rng.integers(0, 5))  # baseline jitter
        region = canvas[dy : dy + 28, start : start + 28]
        np.maximum(region, other, out=region)
        if side == "left":
            lo = _junction_cut(canvas, max(0, lo - 2), lo + overlap + 2, rng)
        else:
            hi = _junction_cut(canvas, hi - overlap - 2, min(width, hi + 2), rng) + 1
    piece = canvas[:, lo:hi]
    rows = np.flatnonzero((piece > INK).any(1))
    cols = np.flatnonzero((piece > INK).any(0))
    if rows.size == 0:
        return None
    return fit(piece, (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1))


def cut_pieces(x: torch.Tensor, share: float, gen: torch.Generator) -> torch.Tensor:
    """(N, 1, 28, 28) digits in [0, 1] -> the same with about `share` of them replaced by their cut
    pieces (labels unchanged); neighbours are other digits of the batch."""
    n = x.shape[0]
    chosen = (torch.rand(n, generator=gen) < share).nonzero()[:, 0].tolist()
    if not chosen:
        return x
    rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=gen)))
    digits = x[:, 0].cpu().numpy()  # (N, 28, 28)
    out = x.clone()
    for i in chosen:
        sides = rng.integers(1, 4)  # 1: a left neighbour, 2: a right one, 3: both
        pick = rng.integers(0, n, size=2)
        left = digits[pick[0]] if sides & 1 else None
        right = digits[pick[1]] if sides & 2 else None
        piece = cut_piece(digits[i], left, right, rng)
        if piece is not None:
            out[i, 0] = torch.from_numpy(piece).to(x.device)
    return out
