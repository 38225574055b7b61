"""Every route's OpenAPI lists the problem responses it really returns, with the problem schema.

What a route can answer follows from how it is declared, so it is derived here once instead of
written on every route: 401 and 403 where a token and a role are needed, 404 where the path, the
query or the body names a record (a UUID), 400 where a paging cursor is taken, 409 on writes (a
concurrent write wins, or the record's state forbids it), 400 and 412 where If-Match is taken, 413
where a body is read, 415 where that body must be JSON, 422 where any input is validated, 503 with
Retry-After where the route reaches the database. FastAPI's own 422 shape is replaced by the RFC 9457
problem schema. A route's own `responses=` descriptions are kept, and a route whose `format` query
parameter offers csv or xlsx documents those downloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Literal, get_args, get_origin

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from kite_common.http.media_types import api_routes, takes_json_body
from kite_common.http.problems import PROBLEM_JSON, STATUS_TITLES
from kite_common.http.tabular import XLSX_MEDIA_TYPE
from kite_common.schema_examples import example_of

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_REF = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER = {"description": "几秒后重试", "schema": {"type": "integer"}}


class FieldError(BaseModel):
    field: str = Field(description="出错的字段，如 phone 或 members.0.name；空表示整个请求体")
    code: str
    message: str = Field(description="给人看的中文说明")


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, with Chinese titles and details."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(examples=["https://kite.gov.cn/problems/validation"])
    title: str = Field(examples=["请求参数有误"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["phone：格式不正确"])
    instance: str = Field(examples=["/members"])
    request_id: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="按字段列出的错误（422）")


def _names_a_record(annotation: Any) -> bool:
    """A UUID (or an optional one, or a list of them): the id of a record that may not exist."""
    if annotation is uuid.UUID:
        return True
    return any(_names_a_record(arg) for arg in get_args(annotation))


def _body_names_a_record(route: APIRoute) -> bool:
    model = route.body_field.field_info.annotation if route.body_field is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    return any(_names_a_record(field.annotation) for field in model.model_fields.values())


def _query_params(dependant: Dependant) -> list[Any]:
    params = list(dependant.query_params)
    for dependency in dependant.dependencies:
        params += _query_params(dependency)
    return params


def _tabular_formats(route: APIRoute) -> list[str]:
    """The download formats a route's `format` query parameter offers (csv, xlsx)."""
    for param in _query_params(route.dependant):
        if param.name == "format":
            return [f for f in ("csv", "xlsx") if f in _literal_values(param.field_info.annotation)]
    return []


def _literal_values(annotation: Any) -> set[Any]:
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return set().union(*(_literal_values(arg) for arg in get_args(annotation))) if get_args(annotation) else set()


def _reaches_database(dependant: Dependant) -> bool:
    return any(getattr(d.call, "reaches_database", False) or _reaches_database(d) for d in dependant.dependencies)


def _statuses(route: APIRoute, authenticated: bool) -> list[int]:
    methods = route.methods or set()
    headers = {p.alias.lower() for p in route.dependant.header_params}
    for dep in route.dependant.dependencies:
        headers |= {p.alias.lower() for p in dep.header_params}
    query = _query_params(route.dependant)
    out: set[int] = set()
    if authenticated:
        out |= {401, 403}
    if route.dependant.path_params:
        out.add(404)
    # A record named in the query or the body (an organisation to list under, a member to enrol)
    # that does not exist, or not for the caller, is 404 like one named in the path.
    if any(_names_a_record(p.field_info.annotation) for p in query) or _body_names_a_record(route):
        out.add(404)
    if any(p.name == "cursor" for p in query):
        out.add(400)  # a cursor that is not one this listing gave out
    if _reaches_database(route.dependant):
        out.add(503)  # the database unreachable or restarting: try again after Retry-After
    if methods & _WRITES:
        out.add(409)
    if "if-match" in headers:
        out |= {400, 412}
    if route.body_field is not None:
        out.add(413)
    if takes_json_body(route):
        out.add(415)
    dependant = route.dependant
    if dependant.body_params or dependant.query_params or dependant.path_params or dependant.header_params or headers:
        out.add(422)
    return sorted(out)


def document_problems(app: FastAPI, secured: Iterable[APIRoute]) -> None:
    """Install an OpenAPI generator that adds the problem responses to every route of `app`;
    `secured` are the routes that take a token."""
    secured_ids = {id(route) for route in secured}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in problem_schema.pop("$defs", {}).items():
            components[name] = definition
        components["Problem"] = problem_schema
        for info in api_routes(app):
            route = info.route
            if not route.include_in_schema:
                continue
            authenticated = id(route) in secured_ids
            for method in info.methods:
                operation = schema.get("paths", {}).get(info.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                statuses = set(_statuses(route, authenticated)) | ({422} if "422" in responses else set())
                _document_downloads(route, responses)
                for status in sorted(statuses):
                    entry = responses.setdefault(str(status), {"description": STATUS_TITLES.get(status, "请求失败")})
                    entry["content"] = {PROBLEM_JSON: {"schema": _REF}}
                    if status == 503:
                        entry["headers"] = {"Retry-After": _RETRY_AFTER}
                for status, entry in responses.items():  # a route's own refusals are problems too
                    if status[:1] in ("4", "5") and "content" not in entry:
                        entry["content"] = {PROBLEM_JSON: {"schema": _REF}}
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        add_examples(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_DOWNLOADS = {"csv": "text/csv", "xlsx": XLSX_MEDIA_TYPE}


def _document_downloads(route: APIRoute, responses: dict[str, Any]) -> None:
    """A route whose `format` offers csv or xlsx answers those media types too, with its success status."""
    formats = _tabular_formats(route)
    success = next((status for status in sorted(responses) if status.startswith("2")), None)
    if not formats or success is None:
        return
    content = responses[success].setdefault("content", {})
    for fmt in formats:
        entry = content.setdefault(_DOWNLOADS[fmt], {})
        entry.setdefault("schema", {"type": "string", "format": "binary" if fmt == "xlsx" else None})
        if entry["schema"].get("format") is None:
            entry["schema"].pop("format", None)


def add_examples(document: dict[str, Any]) -> None:
    """Every JSON request and response without an example gets one made from its schema; a problem's
    example carries the status it documents."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            bodies = [("", operation.get("requestBody", {})), *operation.get("responses", {}).items()]
            for status, body in bodies:
                for media_type, content in (body.get("content") or {}).items():
                    if "json" not in media_type or "schema" not in content or "example" in content:
                        continue
                    content["example"] = example_of(content["schema"], document)
                    if media_type == PROBLEM_JSON and status.isdigit():
                        content["example"] = {
                            "type": "https://kite.gov.cn/problems/example",
                            "title": STATUS_TITLES.get(int(status), "请求失败"),
                            "status": int(status),
                            "detail": "说明出了什么问题（中文）",
                            "instance": "/example",
                            "request_id": "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b",
                        }
