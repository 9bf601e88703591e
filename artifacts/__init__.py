"""The shipped models (installed as mnist_edge.artifacts): ONNX FP32 + INT8, model card, samples.

A package only so importlib.resources finds these files from the editable checkout and from
an installed wheel alike; it holds no code.
"""
