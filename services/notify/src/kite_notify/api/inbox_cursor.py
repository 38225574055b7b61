"""The inbox's page cursor: an opaque, url-safe form of the last item's (created_at, notification_id).
A cursor that does not decode is a 400 problem."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from kite_common.http.problems import Problem


def encode_cursor(created_at: datetime, notification_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{notification_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, nid = raw.split("|")
        return datetime.fromisoformat(when), uuid.UUID(nid)
    except ValueError as exc:
        raise Problem("分页游标无效", status=400, code="bad-cursor") from exc
