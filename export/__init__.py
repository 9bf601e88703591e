"""Export (installed as mnist_edge.export): checkpoint -> ONNX FP32 + static INT8 + model card. Needs the [train] extra."""
