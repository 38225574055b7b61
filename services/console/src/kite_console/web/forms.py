"""Turning a submitted form into an API body, and the API's field errors back onto the form."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

from kite_console.web.api import Problem


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def flag(form: FormData, name: str) -> bool:
    return text(form, name) in ("on", "true", "1")


def if_match(form: FormData) -> str | None:
    """The version the page was shown at (its hidden `version` field) as the If-Match the API checks
    before a change; none when the field is missing or not a version number (the API then refuses the
    change, and that refusal is shown)."""
    version = text(form, "version")
    return f'"{version}"' if version.isascii() and version.isdigit() else None


def words(form: FormData, name: str) -> list[str]:
    """A list typed as 焊工，电工 or one per line."""
    raw = text(form, name).replace("，", ",").replace("、", ",").replace("\n", ",")
    return [w.strip() for w in raw.split(",") if w.strip()]


def field_errors(problem: Problem | None) -> dict[str, str]:
    """The API's errors by form field: `skills.2` belongs to the skills field."""
    if problem is None:
        return {}
    errors: dict[str, str] = {}
    for name, message in problem.errors.items():
        key = name.split(".", 1)[0]
        errors[key] = (errors[key] + "；" if key in errors else "") + message
    return errors


def values_of(form: FormData, names: Iterable[str]) -> dict[str, Any]:
    return {name: text(form, name) for name in names}


class NotAnAmount(ValueError):
    """What was typed is not an amount of yuan (the API is never asked)."""


def fen_of_yuan(raw: str) -> int | None:
    """An amount typed in yuan (1800, 1,800.50, 1800元) as integer fen; None when left empty. Whether the
    amount is allowed (positive, not absurd) is the API's rule, and its refusal is shown by the field."""
    cleaned = raw.replace(",", "").replace("，", "").replace("元", "").replace("¥", "").replace("￥", "").strip()
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise NotAnAmount("请填写金额（元），如 1800 或 1800.50") from exc
    if not amount.is_finite():
        raise NotAnAmount("请填写金额（元），如 1800 或 1800.50")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise NotAnAmount("金额最多两位小数（到分）")
    return int(fen)
