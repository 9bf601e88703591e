"""Torch-free generators of evaluation material: MNIST digits (and non-digits) rendered as photos.

What it is: numpy + Pillow, deterministic from a seed. strokes.py turns a 28 x 28 MNIST digit
(or a font glyph, a shape, a scribble) into an ink-coverage mask at photo scale; page.py puts
ink on paper under light (paper, ruling, table, lighting); camera.py degrades it as a camera and
a file format do (blur, noise, dust, JPEG, transparency); photos.py names the conditions and
severities and draws one photo; small.py degrades 28 x 28 MNIST-style digits; nondigits.py makes
the negatives (letters, symbols, shapes, scribbles, blank pages, noise, two digits);
scanlike.py the simpler scan-like kinds of the first round (file modes and formats).
What it isn't: training augmentation (train/ owns that) or a source of test-set images: callers
pass digits from the validation part of the training data (indices 50000-59999).
"""
