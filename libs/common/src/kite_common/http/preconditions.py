"""Conditional writes: the version a client last saw, sent back in If-Match; the version it gets, in ETag.

A route that takes an If-Match declares `if_match: IfMatch` and passes the number (or None) to its
command, which compares it with the aggregate it loads (`Aggregate.expect_version`). A route that
answers with one record sets `set_etag(response, version)`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Response

from kite_common.http.problems import Problem


def parse_if_match(value: str | None) -> int | None:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3; absent → None (no precondition)."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()):
        raise Problem('If-Match 应为版本号，如 "1"', status=400, code="bad-if-match")
    return int(text)


async def _if_match(
    if_match: Annotated[
        str | None, Header(alias="If-Match", max_length=32, description='上次读取时的版本号（ETag），如 "3"')
    ] = None,
) -> int | None:
    return parse_if_match(if_match)


# FastAPI dependency: the expected stream version from If-Match, or None when the header is absent.
IfMatch = Annotated[int | None, Depends(_if_match)]


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
