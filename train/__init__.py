"""Training (installed as mnist_edge.train): the report's CNN, augmentation, the training loop.

Needs torch (the [train] extra). The runtime never imports this package.
"""
