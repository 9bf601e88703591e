"""`python -m mnist_edge.serve`: the server without the typer CLI (no pydantic import: ~12 MiB
less resident memory, the way to run it as a service on a small board; docs/serve.md).

Same options and defaults as `mnist-edge serve`.
"""

from __future__ import annotations

import argparse
import sys

from mnist_edge.errors import UserError
from mnist_edge.serve import run_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist_edge.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (0.0.0.0: every interface).")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default=None, help="ONNX model (default: the shipped INT8 model).")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads per inference call.")
    parser.add_argument("--workers", type=int, default=None, help="Inference calls at once (default: one per core, at most 4).")
    parser.add_argument("--access-log", action="store_true", help="Log every request (off: /metrics counts them).")
    args = parser.parse_args(argv)
    try:
        run_server(args.host, args.port, args.model, args.threads, args.workers, args.access_log)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
