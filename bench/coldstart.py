"""One cold start of the runtime, run by `mnist-edge bench` in a fresh child process.

What it is: times, in this new process, importing the runtime (mnist_edge.model.session: numpy and
onnxruntime), building the session (OnnxModel: the model checks and onnxruntime's graph
optimisation), and the first run on one image; then runs one batch of the largest size so
that the peak RSS includes inference. Prints one JSON line: import_s, session_s,
first_run_s, peak_rss_bytes. The parent adds the process's whole wall time (interpreter
start-up included). The file system cache is warm after the first start: this is a cold
process, not a cold disk.
What it isn't: a steady-state measurement (mnist_edge.bench.run) or a user command.

    python -m mnist_edge.bench.coldstart MODEL THREADS BATCH
"""

import json
import sys
import time


def main(argv: list[str]) -> None:
    path, threads, batch = argv[0], int(argv[1]), int(argv[2])
    t_import = time.perf_counter()
    import numpy as np

    from mnist_edge.model.session import OnnxModel

    t_session = time.perf_counter()
    model = OnnxModel(path, threads=threads)
    t_first = time.perf_counter()
    x = np.random.default_rng(0).random((batch, 1, 28, 28), dtype=np.float32)
    model.session.run([model.output_name], {model.input_name: x[:1]})
    t_end = time.perf_counter()
    model.session.run([model.output_name], {model.input_name: x})
    from mnist_edge.bench.run import peak_rss_bytes

    print(json.dumps({"import_s": t_session - t_import, "session_s": t_first - t_session,
                      "first_run_s": t_end - t_first, "peak_rss_bytes": peak_rss_bytes()}))


if __name__ == "__main__":
    main(sys.argv[1:])
