"""415 for a body of the wrong media type, on every route that reads a JSON body.

FastAPI would read such a body as bytes and answer 422 "应为 JSON 对象", which tells the caller
nothing about the real mistake. A body sent as `text/plain`, a form or XML to a JSON route gets a
415 problem instead, before any handler runs. Routes that read forms, files or raw bytes (uploads)
are left alone; a request without a Content-Type is left to validation as before.
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.params import File, Form
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from kite_common.http.problems import problem_response


def is_json_media_type(content_type: str) -> bool:
    if content_type.startswith("application/json"):  # every ordinary request: no header parsing
        return content_type[16:17] in ("", ";", " ")
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def takes_json_body(route: APIRoute) -> bool:
    if route.body_field is None:
        return False
    return not any(isinstance(p.field_info, Form | File) for p in route.dependant.body_params)


@dataclass(frozen=True)
class RouteInfo:
    """An API route as the app serves it: its full path, methods and declaration."""

    path_format: str
    methods: frozenset[str]
    route: APIRoute


def api_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every API route of the app with the path it is served at (routers' prefixes included)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path_format is not None:
            yield RouteInfo(context.path_format, frozenset(context.methods or ()), route)


@dataclass(frozen=True)
class _Matcher:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    json: bool


class RequireJsonBodies:
    """ASGI middleware: a non-JSON Content-Type on a route that only reads JSON is a 415 problem."""

    def __init__(self, app: ASGIApp, matchers: Sequence[_Matcher]) -> None:
        self.app = app
        self.matchers = matchers

    @classmethod
    def for_app(cls, app: FastAPI) -> list[_Matcher]:
        return [
            _Matcher(info.methods, compile_path(info.path_format)[0], takes_json_body(info.route))
            for info in api_routes(app)
            if info.route.body_field is not None
        ]

    def _json_only(self, method: str, path: str) -> bool:
        hits = [m.json for m in self.matchers if method in m.methods and m.pattern.match(path)]
        return bool(hits) and all(hits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in {"POST", "PUT", "PATCH", "DELETE"}:
            content_type = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), None)
            if (
                content_type is not None
                and not is_json_media_type(content_type)
                and self._json_only(scope["method"], scope["path"])
            ):
                response = problem_response(
                    Request(scope, receive),
                    415,
                    "unsupported-media-type",
                    "不支持的内容类型",
                    f"请求体应为 JSON（Content-Type: application/json），收到的是 {content_type[:100]}",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
