"""415 for a body of the wrong media type, on every route that reads a JSON body.

FastAPI would read such a body as bytes and answer 422 "应为 JSON 对象", which tells the caller
nothing about the real mistake. A body sent as `text/plain`, a form or XML to a JSON route gets a
415 problem instead. Routes that read forms, files or raw bytes (uploads) are left alone.
"""

from __future__ import annotations

import email.message

from fastapi import FastAPI
from fastapi.params import File, Form
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kite_common.http.problems import problem_response


def is_json_media_type(content_type: str) -> bool:
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


def _require_json(app: ASGIApp) -> ASGIApp:
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        content_type = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), None)
        if content_type is not None and not is_json_media_type(content_type):
            request = Request(scope, receive)
            response = problem_response(
                request,
                415,
                "unsupported-media-type",
                "不支持的内容类型",
                f"请求体应为 JSON（Content-Type: application/json），收到的是 {content_type[:100]}",
            )
            await response(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


def require_json_bodies(app: FastAPI) -> None:
    """Call once every router is included."""
    for route in app.routes:
        if isinstance(route, APIRoute) and takes_json_body(route):
            route.app = _require_json(route.app)
