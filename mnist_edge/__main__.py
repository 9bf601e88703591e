"""`python -m mnist_edge ...` is `mnist-edge ...`."""

from mnist_edge.cli import main

main()
