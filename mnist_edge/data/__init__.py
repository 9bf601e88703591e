"""MNIST data: the IDX reader and folder lookup (mnist.py), the verified download (download.py).

Importing this package imports nothing heavy; the shared help text of --data-dir lives here so
every stage's config can use it without loading numpy.
"""

DATA_DIR_HELP = ("Folder with the four MNIST .gz files (else $MNIST_EDGE_DATA_DIR, the cache, "
                 "or a download).")

DATA_DIR_ENV = "MNIST_EDGE_DATA_DIR"
CACHE_DIR_ENV = "MNIST_EDGE_CACHE_DIR"

# name -> canonical MD5 (the values torchvision lists; see the README's data section)
FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
