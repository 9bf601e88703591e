"""One cold start of the runtime, run by `mnist-edge bench` in a fresh child process.

What it is: times, in this new process, importing the runtime (numpy and the backend's module:
mnist_edge.backends.ort with onnxruntime, mnist_edge.backends.litert with LiteRT, openvino),
opening the model (mnist_edge.backends.open_backend: the model checks and the runtime's own
loading, onnxruntime's graph optimisation or LiteRT's interpreter; OpenVINO: the same checks
(mnist_edge.model.check), then reading and compiling the ONNX file for one image), and the
first run on one image;
then runs one batch of the largest size so that the peak RSS includes inference. Prints one
JSON line: import_s, session_s, first_run_s, peak_rss_bytes. The parent adds the process's
whole wall time (interpreter start-up included). The file system cache is warm after the
first start: this is a cold process, not a cold disk.
What it isn't: a steady-state measurement (mnist_edge.bench.run) or a user command.

    python -m mnist_edge.bench.coldstart MODEL THREADS BATCH [BACKEND]
"""

import importlib
import json
import sys
import time

MODULES = {"onnxruntime": "mnist_edge.backends.ort", "litert": "mnist_edge.backends.litert",
           "openvino": "openvino"}


def main(argv: list[str]) -> None:
    path, threads, batch = argv[0], int(argv[1]), int(argv[2])
    backend = argv[3] if len(argv) > 3 else "onnxruntime"
    t_import = time.perf_counter()
    import numpy as np

    importlib.import_module(MODULES[backend])
    t_session = time.perf_counter()
    run_one, run_all = open_model(backend, path, threads, batch)
    t_first = time.perf_counter()
    x = np.random.default_rng(0).random((batch, 1, 28, 28), dtype=np.float32)
    run_one(x[:1])
    t_end = time.perf_counter()
    run_all(x)
    from mnist_edge.bench.loop import peak_rss_bytes

    print(json.dumps({"import_s": t_session - t_import, "session_s": t_first - t_session,
                      "first_run_s": t_end - t_first, "peak_rss_bytes": peak_rss_bytes()}))


def open_model(backend: str, path: str, threads: int, batch: int):
    """(run one image, run a batch) of the checked model on `backend`."""
    from mnist_edge.backends import open_backend

    if backend != "openvino":
        model = open_backend(backend, path, threads=threads)
        return model.predict_logits, model.predict_logits
    import openvino as ov

    from mnist_edge.bench.backends import openvino_request

    from mnist_edge.model.check import read_model

    read_model(path)  # the checks bench makes before OpenVINO reads the file
    core = ov.Core()
    one = openvino_request(core, path, threads, 1)  # the batch's own compile counts in the RSS only
    return (lambda x: one.infer({0: x})), (lambda x: openvino_request(core, path, threads, len(x)).infer({0: x}))


if __name__ == "__main__":
    main(sys.argv[1:])
