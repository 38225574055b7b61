"""asyncpg pools with JSON codecs."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from kite_common.db.types import Connection
from kite_common.settings import DatabaseSettings


async def _init_connection(conn: Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(settings: DatabaseSettings | None = None, dsn: str | None = None) -> asyncpg.Pool:
    settings = settings or DatabaseSettings()
    pool = await asyncpg.create_pool(
        dsn or settings.database_url,
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        init=_init_connection,
        server_settings={
            "statement_timeout": str(settings.database_statement_timeout_ms),
            # Jurisdiction filters are `code LIKE $1` with a prefix: only a plan made for the actual
            # value turns that into an index range, so never let prepared statements go generic.
            "plan_cache_mode": "force_custom_plan",
        },
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> Connection:
    conn: Any = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn  # type: ignore[no-any-return]
