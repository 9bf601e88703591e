"""Write artifacts/samples/: one PNG per digit from the MNIST test set, and their attribution.

What it is: the first test image of each digit 0-9, saved as it is (28 x 28, 8-bit grey,
white on black) as digit_D_idxI.png (I = its index in the test set), plus ATTRIBUTION.md;
every file written atomically. The samples ship with the package, so
`mnist-edge predict artifacts/samples/` works right after `pip install .`.
What it isn't: a data set or a test; the runtime's tests read MNIST themselves.

    python scripts/make_samples.py [--data-dir DIR] [--out artifacts/samples]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_edge.atomic import atomic_path, atomic_write_text
from mnist_edge.data.mnist import load_split

REPO = Path(__file__).resolve().parent.parent

ATTRIBUTION = """\
# Sample digits: attribution

The images in this folder are taken unchanged from the test set of the MNIST database of
handwritten digits, by Yann LeCun, Corinna Cortes and Christopher J. C. Burges
(http://yann.lecun.com/exdb/mnist/), made available under the terms of the Creative Commons
Attribution-Share Alike 3.0 license (CC BY-SA 3.0,
https://creativecommons.org/licenses/by-sa/3.0/).

Each file is the first image of its digit in the test set (t10k-images-idx3-ubyte), saved as a
28 x 28 8-bit greyscale PNG, white digit on black, exactly as stored in MNIST:

{files}

Written by `python scripts/make_samples.py`; the same terms (CC BY-SA 3.0) apply to these
files.
"""


def first_of_each_digit(labels: np.ndarray) -> list[int]:
    """(N,) labels -> index of the first occurrence of each digit 0-9."""
    return [int(np.flatnonzero(labels == digit)[0]) for digit in range(10)]


def write_samples(out: Path, data_dir: str | None = None) -> list[Path]:
    test = load_split("test", data_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for digit, index in enumerate(first_of_each_digit(test.labels)):
        path = out / f"digit_{digit}_idx{index}.png"
        with atomic_path(path) as tmp:
            Image.fromarray(test.images[index]).save(tmp, format="PNG")  # (28, 28) uint8, mode L
        written.append(path)
    listing = "\n".join(f"- `{p.name}`: digit {d}, test image {p.stem.split('idx')[1]}"
                        for d, p in enumerate(written))
    atomic_write_text(out / "ATTRIBUTION.md", ATTRIBUTION.format(files=listing))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with the MNIST .gz files (else the usual lookup)")
    parser.add_argument("--out", type=Path, default=REPO / "artifacts" / "samples")
    args = parser.parse_args()
    for path in write_samples(args.out, args.data_dir):
        print(path)


if __name__ == "__main__":
    main()
