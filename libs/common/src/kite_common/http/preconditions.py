"""Conditional writes: the version a client last saw, sent back in If-Match."""

from __future__ import annotations

from kite_common.http.problems import Problem


def parse_if_match(value: str | None) -> int | None:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3; absent → None (no precondition)."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Problem('If-Match 应为版本号，如 "1"', status=400, code="bad-if-match")
    return int(text)
