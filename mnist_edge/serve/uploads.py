"""The images of a POST /v1/predict request: a raw body (one image) or a multipart form (several).

What it is: split_images() turns a body read within the byte limit into (images, sources):
the raw body is one image named "body"; in multipart/form-data every file part is an image,
whatever its field name, named by its (sanitised) filename. Query parameters top_k and see.
What it isn't: decoding (the images stay bytes: mnist_edge's API decodes them on the pool).
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers, QueryParams, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from mnist_edge.serve.limits import ApiError, Limits

RAW_SOURCE = "body"
_UNSAFE = re.compile(r"[^\w.\- ()+]")  # filenames are echoed in JSON and logs: keep them plain


def query_options(query: QueryParams) -> tuple[int, bool]:
    """?top_k=1..10 (default 1) and ?see=0|1 (default 0); ApiError 400 naming a bad value."""
    top_k_text = query.get("top_k", "1")
    if not top_k_text.isdigit() or not 1 <= int(top_k_text) <= 10:
        raise ApiError(400, f"top_k must be a whole number from 1 to 10, got {top_k_text[:20]!r}")
    see_text = query.get("see", "0").lower()
    if see_text not in ("0", "1", "true", "false"):
        raise ApiError(400, f"see must be 0, 1, true or false, got {see_text[:20]!r}")
    return int(top_k_text), see_text in ("1", "true")


async def split_images(headers: Headers, body: bytes, limits: Limits) -> tuple[list[bytes], list[str]]:
    """The request's images as bytes, with the name each result reports as "file"."""
    if not body:
        raise ApiError(400, "empty body: send one image as the body, or images as multipart/form-data")
    if not headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return [body], [RAW_SOURCE]
    files = await _multipart_files(headers, body, limits)
    if not files:
        raise ApiError(400, "no file in the multipart form: send each image as a file part")
    if len(files) > limits.images:
        raise ApiError(413, f"{len(files)} images in one request, the limit is {limits.images}")
    images, sources = [], []
    for i, upload in enumerate(files):
        images.append(await upload.read())
        sources.append(_source_name(upload.filename, i, sources))
    return images, sources


async def _multipart_files(headers: Headers, body: bytes, limits: Limits) -> list[UploadFile]:
    async def stream():
        yield body

    parser = MultiPartParser(headers, stream(), max_files=limits.images + 1, max_fields=100,
                             max_part_size=limits.body_bytes)
    try:
        form = await parser.parse()
    except MultiPartException as e:
        raise ApiError(400, f"bad multipart form: {e.message}") from None
    return [value for _, value in form.multi_items() if isinstance(value, UploadFile)]


def _source_name(filename: str | None, index: int, taken: list[str]) -> str:
    """The upload's base name, plain characters only, unique in the request; image-N if none."""
    base = _UNSAFE.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])[:100].strip()
    name = base or f"image-{index + 1}"
    return name if name not in taken else f"{name}#{index + 1}"
