"""The page at /: draw a digit or photograph one, and see what the model reads.

What it is: the routes serving static/index.html at / and static/ (the page's script and
style sheet) from the installed package: no CDN, nothing fetched from elsewhere, so it works
on a network without internet.
What it isn't: the page itself (static/index.html, app.js, style.css) or the API it calls.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"


async def _index(request):
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


def routes() -> list:
    return [Route("/", _index, methods=["GET"]), Mount("/static", StaticFiles(directory=STATIC), name="static")]
