"""Opaque page cursors for keyset pagination: the last id of a page (a UUIDv7, so pages run in
time order), url-safe. A cursor that does not decode is a 400 problem."""

from __future__ import annotations

import base64
import uuid

from kite_common.http.problems import Problem


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise Problem("分页游标无效", status=400, code="bad-cursor") from exc
