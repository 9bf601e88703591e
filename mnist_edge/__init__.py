"""mnist-edge: read handwritten digits with the report's CNN on an edge device, torch-free.

    import mnist_edge
    reader = mnist_edge.load()          # the shipped INT8 model (mnist_edge.api says more)
    reader = mnist_edge.load(backend="litert")   # its .tflite twin on LiteRT ([litert] extra)
    print(reader.predict("digit.png").digit)
    print(reader.read("year.jpg").text)  # a photo of a handwritten number -> "2026"

Importing this package is cheap: it imports nothing until an API name is used, so the CLI's
start-up stays fast. Training and export live in mnist_edge.train / mnist_edge.export (the
[train] extra), measurements in mnist_edge.bench.
"""

__version__ = "0.2.0"
__all__ = ["load", "DigitReader", "Prediction", "Failure", "Guess", "Reading", "ReadDigit", "UserError",
           "__version__"]


def __getattr__(name: str):
    if name in ("load", "DigitReader", "Prediction", "Failure", "Guess"):
        from mnist_edge import api

        return getattr(api, name)
    if name in ("Reading", "ReadDigit"):
        from mnist_edge import reading

        return getattr(reading, name)
    if name == "UserError":
        from mnist_edge.errors import UserError

        return UserError
    raise AttributeError(f"module 'mnist_edge' has no attribute {name!r}")
