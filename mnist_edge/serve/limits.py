"""The server's limits and its one error shape: every refused request is a 4xx JSON object.

What it is: Limits (bytes, pixels, images per request, seconds, the inference pool's size and
queue), ApiError (an HTTP status and a one-line message naming the problem), the JSON error
response, and read_body(), which reads a request body and stops at the byte limit.
What it isn't: the routes (mnist_edge.serve.app) or image decoding (mnist_edge's API).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from mnist_edge.errors import UserError

MIB = 2**20


@dataclass(frozen=True)
class Limits:
    body_bytes: int = 10 * MIB  # one request body; a phone photo is 2-6 MiB
    pixels: int = 25_000_000  # per image, read from its header before decoding (a 12 MP photo fits)
    images: int = 16  # per request
    request_seconds: float = 30.0  # reading the body, waiting for the pool and predicting
    header_bytes: int = 16 * 1024  # request line + headers (uvicorn/h11 refuses more)
    workers: int = 2  # inference calls running at once (threads of the bounded pool)
    queue: int = 64  # requests waiting for a free worker; more get 503 at once

    def from_environment(self, environ=os.environ) -> "Limits":
        """These limits with MNIST_EDGE_SERVE_<FIELD> variables applied (e.g. ..._BODY_BYTES=4194304)."""
        changes = {}
        for field in fields(self):
            text = environ.get(f"MNIST_EDGE_SERVE_{field.name.upper()}")
            if text is None:
                continue
            try:
                value = (float if field.type == "float" else int)(text)  # annotations are strings
            except ValueError:
                value = -1
            if value <= 0 and not (field.name == "queue" and value == 0):
                raise UserError(f"MNIST_EDGE_SERVE_{field.name.upper()}={text!r}: expected a positive number")
            changes[field.name] = value
        return replace(self, **changes)


class ApiError(Exception):
    """A refused request: status (4xx, or 503 when busy) and a one-line message naming the problem."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The body of every refusal: {"error": "one line naming the problem"}."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or ApiError 413 as soon as it passes `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, f"bad Content-Length header {declared[:40]!r}")
        if int(declared) > limit:
            raise ApiError(413, f"request body of {int(declared):,} bytes is over the limit of {limit:,} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"request body is over the limit of {limit:,} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # nobody reads the answer, but it is counted, not a traceback
        raise ApiError(400, "the client went away before sending the whole body") from None
    return b"".join(chunks)
