"""Identifiers: UUIDv7, time-ordered, so index inserts stay local."""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()  # a standard library UUID
