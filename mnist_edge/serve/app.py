"""The ASGI app: routes, the JSON error handling and the metrics middleware.

What it is: build_app(reader, limits) -> a Starlette app serving
  POST /v1/predict  one image (raw body) or several (multipart) -> {"results": [predict --json objects]}
  POST /v1/read     photos of numbers, the same shapes -> {"results": [read --json objects]}
  GET  /v1/model    what `mnist-edge info --json` shows for the loaded model
  GET  /healthz     {"status": "ok"}
  GET  /metrics     Prometheus text
  GET  /openapi.json, GET / (the page) and /static/...
Every refusal is {"error": "..."} with a 4xx status (503 when the pool's queue is full); an
unexpected exception is a bug: a 500 JSON body without details, its traceback in the log.
What it isn't: the limits (mnist_edge.serve.limits), the pool (mnist_edge.serve.inference),
the document (mnist_edge.serve.openapi) or the page (mnist_edge.serve.page).
"""

from __future__ import annotations

import time

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mnist_edge.backends.info import backend_info
from mnist_edge.serve import page
from mnist_edge.serve.inference import Pool, predict_images, read_images
from mnist_edge.serve.limits import ApiError, Limits, error_response, read_body
from mnist_edge.serve.metrics import Metrics
from mnist_edge.serve.openapi import openapi_document
from mnist_edge.serve.uploads import query_options, split_images

def build_app(reader, limits: Limits = Limits()) -> Starlette:
    metrics = Metrics()
    pool = Pool(limits, metrics)
    info = backend_info(reader.backend)  # once: the model does not change while serving
    document = openapi_document(info)

    async def uploads(request: Request) -> tuple[list[bytes], list[str]]:
        try:
            with anyio.fail_after(limits.request_seconds):
                body = await read_body(request, limits.body_bytes)
        except TimeoutError:
            raise ApiError(408, f"request body not received within {limits.request_seconds:g} s") from None
        return await split_images(request.headers, body, limits)

    async def predict(request: Request) -> Response:
        top_k, see = query_options(request.query_params)
        images, sources = await uploads(request)
        objects = await pool.run(predict_images, reader, images, sources, top_k, see, limits.pixels)
        for obj in objects:
            metrics.count_image("unreadable" if "error" in obj else
                                "not_a_digit" if obj.get("digit") is None else "predicted")
        return _results(objects)

    async def read(request: Request) -> Response:
        images, sources = await uploads(request)
        objects = await pool.run(read_images, reader, images, sources, limits.pixels)
        for obj in objects:
            metrics.count_image("unreadable" if "error" in obj else "read")
        return _results(objects)

    async def model(request: Request) -> Response:
        return JSONResponse(info)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def metrics_text(request: Request) -> Response:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    routes = [
        Route("/v1/predict", predict, methods=["POST"]),
        Route("/v1/read", read, methods=["POST"]),
        Route("/v1/model", model, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *page.routes(),
    ]
    handlers = {ApiError: _api_error, HTTPException: _http_error, Exception: _bug}
    app = Starlette(routes=routes, exception_handlers=handlers)
    return MetricsMiddleware(app, metrics, {r.path for r in app.routes if hasattr(r, "path")})


def _results(objects: list[dict]) -> Response:
    """{"results": [...]}; 422 naming the first image that could not be read, if any."""
    failed = [obj for obj in objects if "error" in obj]
    if failed:
        return JSONResponse({"error": f"{failed[0]['file']}: {failed[0]['error']}", "results": objects},
                            status_code=422)
    return JSONResponse({"results": objects})


async def _api_error(request: Request, error: ApiError) -> Response:
    return error_response(error.status, error.message, error.headers)


async def _http_error(request: Request, error: HTTPException) -> Response:
    """Starlette's own refusals (404, 405, a malformed form) in the same JSON shape."""
    messages = {404: f"no such path {request.url.path[:200]}",
                405: f"{request.method} is not allowed on {request.url.path[:200]}"}
    return error_response(error.status_code, messages.get(error.status_code, str(error.detail)),
                          dict(error.headers or {}))


async def _bug(request: Request, error: Exception) -> Response:
    # Starlette re-raises it after this response, and uvicorn logs the traceback.
    return error_response(500, "internal error (a bug: see the server log)")


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Counts every HTTP response by route template and status, and times it."""

    def __init__(self, app, metrics: Metrics, known_paths: set[str]):
        self.app, self.metrics, self.known_paths = app, metrics, known_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [500]

        async def send_and_record(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            path = scope["path"]
            route = path if path in self.known_paths else "/static" if path.startswith("/static/") else "other"
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.observe(route, method, status[0], time.perf_counter() - start)
