"""The OpenAPI 3.1 document of the API, written by hand (served at /openapi.json).

What it is: openapi_document(model_info) -> a dict that openapi-spec-validator accepts
(tests/serve check it) and schemathesis fuzzes. It describes the request shapes (raw body or
multipart), the query options, the response objects (those of `predict --json`) and the
{"error": ...} body of every refusal.
What it isn't: generated from the code: when a route changes, this changes with it.
"""

from __future__ import annotations

from mnist_edge import __version__

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_TOP = {"type": "object", "required": ["digit", "probability"],
        "properties": {"digit": {"type": "integer", "minimum": 0, "maximum": 9},
                       "probability": {"type": "number", "minimum": 0, "maximum": 1}}}
_PREDICTION = {
    "type": "object", "required": ["file", "digit", "probability", "top"],
    "description": "One object of `mnist-edge predict --json`; digit is null (with a reason) "
                   "when the model refuses the image as not a digit.",
    "properties": {
        "file": {"type": "string", "description": "The upload's filename, or \"body\" for a raw body."},
        "digit": {"type": ["integer", "null"], "minimum": 0, "maximum": 9},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "top": {"type": "array", "items": _TOP},
        "reason": {"type": "string"},
        "seen_png": {"type": "string", "description": "With ?see=1: a data: URL of the 28x28 PNG the network saw."},
    },
}
_DIGIT = {"type": "object", "required": ["digit", "probability", "box"],
          "properties": {"digit": {"type": "integer", "minimum": 0, "maximum": 9},
                         "probability": {"type": "number", "minimum": 0, "maximum": 1},
                         "box": {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4,
                                 "description": "x0, y0, x1, y1 in the photo's pixels, end-exclusive."},
                         "unsure": {"type": "boolean", "description": "Under the read threshold (0.5, or "
                                                                       "--min-confidence): \"?\" in text."}}}
_READING = {
    "type": "object", "required": ["file", "text", "confidence", "digits"],
    "description": "One object of `mnist-edge read --json`: the number's digits left to right.",
    "properties": {"file": {"type": "string"}, "text": {"type": "string", "pattern": "^[0-9?]+$"},
                   "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                   "digits": {"type": "array", "items": _DIGIT, "minItems": 1}},
}
_FAILURE = {"type": "object", "required": ["file", "error"],
            "properties": {"file": {"type": "string"}, "error": {"type": "string"}}}
_RESULTS = {"type": "object", "required": ["results"],
            "properties": {"results": {"type": "array", "items": {"oneOf": [_PREDICTION, _FAILURE]}},
                           "error": {"type": "string"}}}
_READINGS = {"type": "object", "required": ["results"],
             "properties": {"results": {"type": "array", "items": {"oneOf": [_READING, _FAILURE]}},
                            "error": {"type": "string"}}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_MULTIPART = {"schema": {"type": "object", "required": ["image"], "properties": {
    "image": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1, "maxItems": 16,
              "description": "One file part per image (any field name is accepted)."}}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    why = {400: "A malformed request: the message names the problem.",
           408: "The body did not arrive within the request time limit.",
           413: "Too large: body bytes, pixels of an image, or images per request.",
           422: "Some images could not be read: results lists every image, {file, error} for those.",
           503: "The inference queue is full: retry after the Retry-After header's seconds."}
    return {str(s): _json(_RESULTS if s == 422 else _ERROR, why[s]) for s in statuses}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def openapi_document(model_info: dict) -> dict:
    predict = {
        "summary": "The digit each image shows",
        "description": "One image as the raw request body (any content type but multipart), or one "
                       "or more images as multipart/form-data file parts. 200: every image "
                       "predicted, {\"results\": [one predict --json object per image, in order]}.",
        "parameters": [
            _query("top_k", {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                   "The K most likely digits in each object's top list."),
            _query("see", {"type": "string", "enum": ["0", "1", "true", "false"], "default": "0"},
                   "1: add seen_png, the 28x28 image the network saw."),
        ],
        "requestBody": {"required": True, "content": {
            "multipart/form-data": _MULTIPART, "image/png": _BINARY, "image/jpeg": _BINARY,
            "application/octet-stream": _BINARY}},
        "responses": {"200": _json(_RESULTS, "Every image predicted."), **_errors(400, 408, 413, 422, 503)},
    }
    read = {
        "summary": "The number each photo shows (one handwritten line of 1-12 digits)",
        "description": "The request shapes of /v1/predict. 200: every photo read, {\"results\": [one "
                       "read --json object per photo, in order]}; a photo without digits is a "
                       "{file, error} object and makes the answer 422.",
        "requestBody": predict["requestBody"],
        "responses": {"200": _json(_READINGS, "Every photo read."), **_errors(400, 408, 413, 503),
                      "422": _json(_READINGS, "Some photos could not be read or held no digits.")},
    }
    get = lambda summary, schema, what: {"get": {"summary": summary, "responses": {"200": _json(schema, what)}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "mnist-edge serve", "version": __version__,
                 "description": f"Handwritten digits read by {model_info.get('file', 'the model')} "
                                f"({str(model_info.get('precision', '')).upper()})."},
        "paths": {
            "/v1/predict": {"post": predict},
            "/v1/read": {"post": read},
            "/v1/model": get("The loaded model, as `mnist-edge info --json` shows it",
                             {"type": "object", "required": ["file", "sha256", "precision"]}, "The model."),
            "/healthz": get("Liveness", {"type": "object", "required": ["status"],
                                         "properties": {"status": {"const": "ok"}}}, "Serving."),
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {
                "description": "Text exposition format 0.0.4.",
                "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        },
    }
