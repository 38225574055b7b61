"""The console's own scripts, styles and vendored libraries (no CDN on government intranets)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from kite_console.web.api import PageNotFound
from kite_console.web.pages import PACKAGE, ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)
STATIC = PACKAGE / "static"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8",  # a font's licence, beside it
}
FILES = {str(p.relative_to(STATIC)): p for p in STATIC.rglob("*") if p.is_file() and p.suffix in _TYPES}


@router.get("/static/{path:path}", include_in_schema=False)
async def static_file(path: str) -> FileResponse:
    file = FILES.get(path)  # only the files shipped in the package: no path is resolved from the URL
    if file is None:
        raise PageNotFound
    return FileResponse(file, media_type=_TYPES[file.suffix], headers={"Cache-Control": "public, max-age=3600"})
