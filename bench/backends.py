"""The runtimes `mnist-edge bench` compares side by side: a Candidate per model and runtime.

What it is: which backends are installed (onnxruntime always; LiteRT with the [litert] extra;
OpenVINO when the `openvino` package is there: a bench-only row, it reads the ONNX files
directly), the models each one runs (by default its shipped FP32 and INT8 models; given
files go to every chosen runtime that reads their kind: .onnx -> onnxruntime and OpenVINO,
.tflite -> LiteRT), each file checked as the runtime checks it before anything loads it
(size, SHA-256 against the card, I/O contract) and run once, and the run function the
timing loop calls: one bare session.run / interpreter invoke / infer request on the
cell's input. OpenVINO compiles one static-shape model per batch size (on first use, in
the warm-up) and reports the precision it really runs (INFERENCE_PRECISION_HINT: f32 or
bf16, which it picks on CPUs with bf16 units) and how many of its kernels run INT8.
Also accuracy(): each candidate's accuracy on the MNIST test images, through the same run
function. Labels: onnxruntime's rows keep the plain "fp32"/"int8" (the baseline), others
read "litert int8", "openvino fp32".
What it isn't: the timing (loop.py), the report (run.py), or a runtime of the toolkit:
OpenVINO is not a --backend of predict/eval/serve.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from mnist_edge.bench.candidate import Candidate
from mnist_edge.bench.loop import RunFn

import mnist_edge.backends
from mnist_edge.backends import open_backend, shipped_path
from mnist_edge.errors import UserError
from mnist_edge.labels import distinct_names

BENCH_BACKENDS = ("onnxruntime", "litert", "openvino")
READS = {"onnxruntime": ".onnx", "litert": ".tflite", "openvino": ".onnx"}  # file kind per runtime
NAMES = {"onnxruntime": "onnxruntime", "litert": "LiteRT", "openvino": "OpenVINO", "torch": "torch"}
OPENVINO_HINT = "pip install openvino"


def installed() -> list[str]:
    """The runtimes bench can compare on this machine, in BENCH_BACKENDS order."""
    present = {"onnxruntime": True, "litert": mnist_edge.backends.litert_installed(),
               "openvino": find_spec("openvino") is not None}
    return [b for b in BENCH_BACKENDS if present[b]]


def parse_backends(text: str) -> list[str]:
    """'onnxruntime,litert' -> ['onnxruntime', 'litert']; UserError naming the option."""
    names = list(dict.fromkeys(p for p in text.replace(" ", "").split(",") if p))
    unknown = [n for n in names if n not in BENCH_BACKENDS]
    if not names or unknown:
        raise UserError(f"--backend {text}: expected one or more of {', '.join(BENCH_BACKENDS)}, "
                        "comma-separated")
    return names


def require(backends: list[str]) -> None:
    """One line naming what to install for a runtime asked for by name but absent."""
    if "litert" in backends:
        mnist_edge.backends.require_litert()
    if "openvino" in backends and find_spec("openvino") is None:
        raise UserError(f"--backend openvino needs openvino, which is not installed: {OPENVINO_HINT}")


def candidates(paths: list[str], backends: list[str], first_threads: int) -> list[Candidate]:
    """A Candidate per (model, runtime), each checked and run once (UserError if it cannot run)."""
    require(backends)
    rows = []
    for backend in backends:
        files = ([shipped_path("litert" if backend == "litert" else "onnxruntime", p)
                  for p in ("fp32", "int8")] if not paths else
                 [Path(p) for p in paths if _reads(backend, p)])
        rows += _rows(backend, files, first_threads)
    for p in paths:
        if not any(_reads(b, p) for b in backends):
            raise UserError(f"{p}: no runtime in --backend {','.join(backends)} reads this file "
                            f"(.onnx: onnxruntime, openvino; .tflite: litert)")
    return rows


def _reads(backend: str, path: str | Path) -> bool:
    tflite = Path(path).suffix.lower() == ".tflite"
    return tflite == (READS[backend] == ".tflite")


def _rows(backend: str, files: list[Path], first_threads: int) -> list[Candidate]:
    checked = [open_backend("litert" if backend == "litert" else "onnxruntime", f,
                            threads=first_threads) for f in files]  # the runtime's own checks
    for model in checked:  # fail before measuring, naming the file
        model.predict_logits(np.zeros((2, 1, 28, 28), np.float32))
    precisions = [m.precision for m in checked]
    labels = precisions if len(set(precisions)) == len(precisions) else distinct_names(
        [m.path for m in checked])
    rows = []
    for m, label in zip(checked, labels):
        opener = {"onnxruntime": _onnx_open, "litert": _litert_open, "openvino": _openvino_open}
        cand = Candidate(label=label if backend == "onnxruntime" else f"{backend} {label}",
                         kind=backend, path=str(m.path), precision=m.precision,
                         file_bytes=m.file_bytes, sha256=m.sha256, open=opener[backend](str(m.path)))
        if backend == "openvino":
            try:
                cand.runs_as = openvino_runs_as(str(m.path))
            except Exception as e:  # OpenVINO raises its own exception types
                first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
                raise UserError(f"{m.path}: OpenVINO cannot compile the model ({first})") from None
        rows.append(cand)
    return rows


def _onnx_open(path: str) -> Callable[[int], RunFn]:
    def open_session(threads: int) -> RunFn:
        from mnist_edge.model.session import OnnxModel

        model = OnnxModel(path, threads=threads)
        session, feed, fetch = model.session, model.input_name, [model.output_name]
        return lambda x: session.run(fetch, {feed: x})

    return open_session


def _litert_open(path: str) -> Callable[[int], RunFn]:
    def open_interpreter(threads: int) -> RunFn:
        return open_backend("litert", path, threads=threads).run  # one invoke, no lock, no copy out

    return open_interpreter


def openvino_config(threads: int) -> dict:
    return {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"}


def openvino_request(core, path: str, threads: int, batch: int):
    """An infer request of the ONNX file compiled by OpenVINO for a static (batch, 1, 28, 28) input."""
    model = core.read_model(path)
    model.reshape({0: [batch, 1, 28, 28]})
    return core.compile_model(model, "CPU", openvino_config(threads)).create_infer_request()


def _openvino_open(path: str) -> Callable[[int], RunFn]:
    def open_compiled(threads: int) -> RunFn:
        import openvino as ov

        core = ov.Core()
        requests = {}  # batch -> infer request of a model compiled for that static shape

        def run(x: np.ndarray):
            request = requests.get(len(x))
            if request is None:
                request = requests[len(x)] = openvino_request(core, path, threads, len(x))
            return request.infer({0: x}, share_inputs=True)

        return run

    return open_compiled


def openvino_runs_as(path: str) -> str:
    """What OpenVINO's CPU plugin really runs: 'f32' or 'bf16', and its INT8 kernels, if any."""
    import openvino as ov

    core = ov.Core()
    model = core.read_model(path)
    model.reshape({0: [1, 1, 28, 28]})
    compiled = core.compile_model(model, "CPU", openvino_config(1))
    hint = str(compiled.get_property("INFERENCE_PRECISION_HINT")).removeprefix("<Type: '").rstrip("'>")
    kernels = [op.get_rt_info()["runtimePrecision"].astype(str)
               for op in compiled.get_runtime_model().get_ordered_ops()
               if "runtimePrecision" in op.get_rt_info()]
    int8 = sum(k in ("i8", "u8") for k in kernels)
    return {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}.get(hint, hint) + (
        f", {int8} of {len(kernels)} kernels INT8" if int8 else "")


def logits_of(output) -> np.ndarray:
    """A run function's output -> (B, 10) logits (session.run's list, an array, OpenVINO's dict)."""
    if isinstance(output, np.ndarray):
        return output
    if hasattr(output, "numpy"):  # torch
        return output.numpy()
    return np.asarray(output[0])


def accuracy(cands: list[Candidate], images: np.ndarray, labels: np.ndarray, threads: int,
             batch: int = 256) -> None:
    """Each candidate's test accuracy (its run function, `batch` images per run), in place."""
    for cand in cands:
        run = cand.open(threads)
        hits = 0
        for start in range(0, len(images), batch):
            x = np.ascontiguousarray(images[start : start + batch])
            if len(x) < batch and cand.kind == "openvino":  # its shapes are static: pad
                x = np.concatenate([x, np.zeros((batch - len(x), *x.shape[1:]), x.dtype)])
            predicted = logits_of(run(x)).argmax(axis=1)[: len(labels[start : start + batch])]
            hits += int(np.sum(predicted == labels[start : start + batch]))
        cand.accuracy = hits / len(labels)


def display(model: dict) -> str:
    """A report's model entry -> its name in tables: 'onnxruntime INT8', 'LiteRT FP32', ..."""
    label, kind = model["label"], model["kind"]
    if kind == "onnxruntime" and label in ("fp32", "int8"):
        return f"onnxruntime {label.upper()}"
    if kind == "torch":
        return "torch eager FP32"
    rest = label.removeprefix(f"{kind} ")
    name = f"{NAMES.get(kind, kind)} {rest.upper() if rest in ('fp32', 'int8') else rest}"
    return name + (f" (runs {model['runs_as']})" if model.get("runs_as") else "")
