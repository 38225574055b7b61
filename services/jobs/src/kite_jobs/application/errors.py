"""Turns domain refusals into HTTP problems."""

from __future__ import annotations

from kite_common.http.problems import Unprocessable

from kite_jobs.domain.rules import JobsRuleViolation


def unprocessable(exc: JobsRuleViolation, code: str) -> Unprocessable:
    errors = [{"field": exc.field, "code": "rule", "message": str(exc)}] if exc.field else []
    return Unprocessable(str(exc), code=code, errors=errors)
