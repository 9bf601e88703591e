"""The options of `mnist-edge serve`, declared once (typer and `python -m mnist_edge.serve` read them).

What it is: ServeConfig and run_serve(), the command's entry (its docstring is the help).
What it isn't: the server (mnist_edge.serve.run_server); nothing here imports the [serve] extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mnist_edge.options import backend_option, option


@dataclass
class ServeConfig:
    host: str = option("127.0.0.1", "Address to listen on; 0.0.0.0 = every interface "
                       "(a phone on the same network).")
    port: int = option(8000, "TCP port.", min=0, max=65535)
    model: str | None = option(None, "Model to serve: .onnx, or .tflite with --backend litert "
                               "(default: the shipped INT8 model).", cli_type=Path)
    threads: int = option(1, "Inference threads per call (onnxruntime intra-op, LiteRT's); 0 = "
                          "the runtime's default.", min=0)
    workers: int | None = option(None, "Inference calls running at once (default: one per core, "
                                 "at most 4).", min=1)
    access_log: bool = option(False, "Log every request (/metrics counts them either way).")
    backend: str = backend_option()


def run_serve(cfg: ServeConfig) -> int:
    """Answer over HTTP: a JSON API (/v1/predict, /v1/model, /healthz, /metrics) and a page at / to draw or photograph a digit.

    Needs the optional serve extra. As a service on a small board, `python -m mnist_edge.serve` takes the same options without the CLI's imports (docs/serve.md).
    """  # one line per paragraph: typer keeps the line breaks
    from mnist_edge.serve import run_server

    run_server(cfg)
    return 0
