"""Reading a digit in a photo or scan: numpy + Pillow only.

What it is: grey.py (any mode and transparency -> grey), background.py (the page's background
removed: the ink signal), components.py (connected components, ruling lines), digit.py (which
marks are the digit; "blank" and "not_a_digit" verdicts), fit.py (MNIST's 20 px box and mass
centre). fit_digit(img) -> Fitted(pixels (28, 28), reason, detail, box) is the entry point;
mnist_edge.preprocess.preprocess_image calls it.
What it isn't: loading files (mnist_edge.preprocess) or inference (mnist_edge.runtime).
"""

from mnist_edge.image.digit import Fitted, fit_digit

__all__ = ["Fitted", "fit_digit"]
