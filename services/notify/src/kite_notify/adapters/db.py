"""The connection type every query here accepts: a plain connection or one lent by a pool."""

from __future__ import annotations

from kite_common.db.types import Connection as Conn

__all__ = ["Conn"]
