"""Images in: load safely, grey levels, the digit found among the marks and fitted MNIST-style.

What it is: load.py (files and bytes, safely), modes.py (any mode -> grey), grey.py
(transparency, where it is the background), background.py (the page's background removed: the
ink signal), components.py (connected components, ruling lines), crossing.py and holes.py
(lines across a crop, outlined digits), marks.py (the ink signal thresholded into marks),
digit.py (which marks are the digit; "blank" and "not_a_digit" verdicts), fit.py (MNIST's
20 px box and mass centre), preprocess.py (the runtime's entry point), save.py (what the
network saw, as PNG); line.py, cuts.py and segment.py (a line of digits: its marks grouped and
cut into candidate digits, for `read`), annotate.py (a photo with what read found).
numpy + Pillow only.
What it isn't: inference (mnist_edge.model) or the API (mnist_edge.api).
"""
