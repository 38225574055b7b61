"""Opaque page cursors for keyset pagination: the last id of a page (a UUIDv7, so pages run in
time order), or the last (sort value, id) of a page sorted otherwise; url-safe. A cursor that does not
decode is a 400 problem."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kite_common.domain.errors import BadRequest


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise BadRequest("分页游标无效", code="bad-cursor") from exc


# A keyset over (sort value, id): pages sorted by something else than the id (a name, a time) still
# continue exactly after the last row, even among rows with the same sort value.
KeyValue = str | int | datetime | None
_KEYSET_TAGS: dict[str, Callable[[Any], KeyValue]] = {
    "s": str,
    "i": int,
    "t": datetime.fromisoformat,
    "n": lambda _: None,
}


def encode_keyset_cursor(value: KeyValue, last_id: uuid.UUID, scope: str = "") -> str:
    """A cursor after the row (`value`, `last_id`). `scope` (e.g. the sort order) is checked on
    decoding, so a cursor of one ordering is refused by another instead of skipping rows."""
    if value is None:
        tag, text = "n", ""
    elif isinstance(value, datetime):
        tag, text = "t", value.isoformat()
    elif isinstance(value, bool):  # a bool is an int to Python; no sort key is one
        raise TypeError("a keyset cursor value cannot be a bool")
    elif isinstance(value, int):
        tag, text = "i", str(value)
    else:
        tag, text = "s", value
    raw = json.dumps([scope, tag, text, last_id.hex], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_keyset_cursor(cursor: str, scope: str = "") -> tuple[KeyValue, uuid.UUID]:
    """The (sort value, id) a cursor of `encode_keyset_cursor` stands for; 400 when it is not one of
    this `scope`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        cursor_scope, tag, text, hex_id = raw
        if cursor_scope != scope or tag not in _KEYSET_TAGS or not isinstance(text, str):
            raise ValueError("cursor of another listing")
        return _KEYSET_TAGS[tag](text), uuid.UUID(hex=hex_id)
    except (ValueError, TypeError, AttributeError) as exc:  # JSON and Unicode errors are ValueErrors
        raise BadRequest("分页游标无效", code="bad-cursor") from exc
