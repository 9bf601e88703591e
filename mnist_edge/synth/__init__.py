"""Generated evaluation material (torch-free, numpy + Pillow): digits as scans and photos.

Used by the tests and bench/ to measure the runtime on images harder than MNIST's own;
the device never needs it.
"""
