"""`mnist-edge serve`: the model answers over HTTP, with a page to draw or photograph a digit.

What it is: a Starlette app on uvicorn (the optional [serve] extra) around one checked model
loaded once through the public API (mnist_edge.load): the JSON API /v1/..., /healthz,
/metrics (Prometheus text), /openapi.json, and the page at /. run_server() is what
`mnist-edge serve` and `python -m mnist_edge.serve` run (options: mnist_edge.serve.config).
What it isn't: the model, preprocessing or the prediction objects (mnist_edge's API owns
those), or a public-internet server (no TLS, no auth: put it behind a proxy for that).
Importing this package imports nothing heavy; the extra is imported when a server starts.
"""

from __future__ import annotations

import os
from importlib.util import find_spec

from mnist_edge.errors import UserError

SERVE_EXTRA_HINT = "pip install 'mnist-edge[serve]'"


def require_serve_extra() -> None:
    """One line naming the extra to install, instead of an ImportError traceback."""
    packages = {"starlette": "starlette", "uvicorn": "uvicorn", "multipart": "python-multipart"}
    missing = [package for module, package in packages.items() if find_spec(module) is None]
    if missing:
        raise UserError(f"`mnist-edge serve` needs {' and '.join(missing)} (the [serve] extra): "
                        f"{SERVE_EXTRA_HINT}")


def default_workers() -> int:
    """Inference calls at once: one per core, at most 4 (each runs on `threads` onnxruntime threads)."""
    return max(1, min(4, os.cpu_count() or 1))


def quiet_pillow_bomb_warning() -> None:
    """Pillow warns on stderr about images over ~89 MP when it opens them; the server refuses
    those itself (413, its pixel limit is lower), so in this process the warning is only noise
    in the log. (Code that turns it into an error inside catch_warnings still does.)"""
    import warnings

    from PIL import Image

    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def run_server(cfg) -> None:
    """Load and check the model (cfg: a ServeConfig), then serve until SIGINT/SIGTERM."""
    require_serve_extra()
    import uvicorn

    import mnist_edge
    from mnist_edge.serve.app import build_app
    from mnist_edge.serve.limits import Limits

    reader = mnist_edge.load(model=cfg.model, threads=cfg.threads,  # UserError here: before any socket opens
                             backend=cfg.backend)
    limits = Limits(workers=cfg.workers or default_workers()).from_environment()
    quiet_pillow_bomb_warning()
    app = build_app(reader, limits)
    # SIGTERM: stop accepting, let in-flight requests finish (up to the request time limit).
    uvicorn.run(app, host=cfg.host, port=cfg.port, access_log=cfg.access_log, log_level="info",
                timeout_graceful_shutdown=limits.request_seconds, server_header=False,
                h11_max_incomplete_event_size=limits.header_bytes)
