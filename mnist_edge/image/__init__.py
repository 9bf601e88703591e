"""Images in: load (safely), grey levels, fit the digit MNIST-style, save what the network saw."""
