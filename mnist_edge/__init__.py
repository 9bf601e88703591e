"""mnist-edge: the torch-free runtime of the toolkit (data, preprocessing, onnxruntime, CLI).

Importing this package is cheap: it imports nothing, so the CLI's start-up stays fast.
Training and export live in mnist_edge.train / mnist_edge.export and need the [train] extra.
"""

__version__ = "0.1.0"
