"""The domain's refusals, said once for every service.

Domain and application code raise these; they know nothing of HTTP. The HTTP layer turns each kind
into an RFC 9457 problem detail in one place (`kite_common.http.problems`): a malformed request is
400, a rule violation 422, not found 404, forbidden 403, conflict 409, a stale version 412,
unavailable 503. The message is for people, in Chinese; `code` names the problem type; `field` says
which input was wrong, when one was.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses. Subclasses set `code` (and may set `title`) as class defaults."""

    code = "rule"
    title: str | None = None  # None: the HTTP layer's title for the kind

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        title: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title
        self.field = field
        self.extensions = extensions


class BadRequest(DomainError):
    """The request itself cannot be read: a page cursor that was not ours, a malformed token (400)."""

    code = "bad-request"


class RuleViolation(DomainError, ValueError):
    """The input breaks a business rule (422). With `field`, the problem lists it under `errors`."""

    code = "rule"


class NotFound(DomainError):
    """No such record, or one the caller may not know of (404)."""

    code = "not-found"


class Forbidden(DomainError):
    """The caller may not do this (403)."""

    code = "forbidden"


class Conflict(DomainError):
    """The record's state does not allow this now (409)."""

    code = "conflict"


class Unavailable(DomainError):
    """The request is sound but cannot be answered now, e.g. a read model waits for a rebuild (503)."""

    code = "unavailable"


class StaleVersion(DomainError):
    """The version the caller last saw (If-Match) is no longer the record's (412)."""

    code = "stale-version"
    title = "版本已过期"

    def __init__(self, current_version: int, what: str = "该记录") -> None:
        super().__init__(
            f"{what}已被他人修改（当前版本 {current_version}），请刷新后重试", current_version=current_version
        )
        self.current_version = current_version
