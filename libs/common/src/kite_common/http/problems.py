"""Errors as RFC 9457 problem details, with Chinese titles and details for the people who read them."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kite_common.db.errors import is_bad_character, is_transient
from kite_common.domain.errors import BadRequest, DomainError, RuleViolation, StaleVersion, Unavailable
from kite_common.domain.errors import Conflict as ConflictError
from kite_common.domain.errors import Forbidden as ForbiddenError
from kite_common.domain.errors import NotFound as NotFoundError
from kite_common.eventstore import ConcurrencyConflict

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://kite.gov.cn/problems/"

STATUS_TITLES = {
    400: "请求有误",
    401: "未登录或令牌无效",
    403: "无权访问",
    404: "未找到",
    405: "不支持该请求方法",
    409: "数据冲突",
    412: "版本已过期",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "请求参数有误",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "服务暂不可用",
}

_VALIDATION_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "date_parsing": "日期格式不正确",
    "datetime_parsing": "时间格式不正确",
    "json_invalid": "JSON 格式不正确",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "extra_forbidden": "不允许的字段",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "value_error": "取值无效",
}


class Problem(DomainError):
    """A refusal of the HTTP layer itself (a bad header, no token), with its status said outright.
    Domain and application code raise `kite_common.domain` errors instead."""

    status = 400
    code = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail, code=code, title=title, **extensions)
        self.detail = detail
        if status is not None:
            self.status = status


class Unauthorized(Problem):
    status = 401
    code = "unauthorized"


RETRY_AFTER_SECONDS = 5

# The one translation of the domain's refusals into HTTP statuses.
_DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (BadRequest, 400),
    (RuleViolation, 422),
    (NotFoundError, 404),
    (ForbiddenError, 403),
    (StaleVersion, 412),
    (ConflictError, 409),
    (Unavailable, 503),
)


def domain_status(error: DomainError) -> int:
    for kind, status in _DOMAIN_STATUS:
        if isinstance(error, kind):
            return status
    return 422


def problem_response(
    request: Request, status: int, code: str, title: str, detail: str, **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    headers = {"WWW-Authenticate": 'Bearer realm="kite"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        kind = str(err.get("type", "value_error"))
        message = _VALIDATION_MESSAGES.get(kind, "取值无效")
        ctx = err.get("ctx") or {}
        reason = ctx.get("reason") or ctx.get("error")
        if kind == "value_error" and reason:
            message = str(reason)
        out.append({"field": ".".join(loc), "code": kind, "message": message})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        status = exc.status if isinstance(exc, Problem) else domain_status(exc)
        extensions = dict(exc.extensions)
        if exc.field is not None and "errors" not in extensions:
            extensions["errors"] = [{"field": exc.field, "code": exc.code, "message": exc.message}]
        title = exc.title or STATUS_TITLES.get(status, "请求失败")
        response = problem_response(request, status, exc.code, title, exc.message, **extensions)
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if status == 429:
            response.headers["Retry-After"] = str(exc.extensions.get("retry_after", RETRY_AFTER_SECONDS))
        return response

    @app.exception_handler(ConcurrencyConflict)
    async def _conflict(request: Request, exc: ConcurrencyConflict) -> JSONResponse:
        return problem_response(
            request,
            409,
            "concurrency-conflict",
            "数据冲突",
            "该记录已被他人修改，请刷新后重试",
            stream_id=exc.stream_id,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "；".join(f"{e['field'] or '请求体'}：{e['message']}" for e in errors) or "请求参数有误"
        return problem_response(request, 422, "validation", "请求参数有误", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # A body FastAPI cannot decode (not UTF-8, not a form) is bad input like invalid JSON:
            # the documented 422, in Chinese.
            detail = "请求体无法解析：应为 UTF-8 编码的 JSON"
            errors = [{"field": "", "code": "body_unreadable", "message": detail}]
            return problem_response(request, 422, "validation", "请求参数有误", detail, errors=errors)
        title = STATUS_TITLES.get(exc.status_code, "请求失败")
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else title
        return problem_response(request, exc.status_code, f"http-{exc.status_code}", title, detail)

    async def _backend(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            log.warning("transient failure on %s %s: %s", request.method, request.url.path, type(exc).__name__)
            response = problem_response(request, 503, "unavailable", "服务暂不可用", "数据服务暂时不可用，请稍后重试")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        if is_bad_character(exc):
            return problem_response(
                request,
                422,
                "bad-character",
                "请求参数有误",
                "请求中含有无法保存的字符（如 NUL 空字符），请删除后重试",
            )
        return await _unexpected(request, exc)

    for kind in (asyncpg.PostgresError, ConnectionError, TimeoutError):
        app.add_exception_handler(kind, _backend)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal", "服务器内部错误", "服务器内部错误，请稍后重试")
