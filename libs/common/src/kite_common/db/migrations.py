"""Versioned, idempotent schema migrations: numbered SQL files, applied once each, under a lock."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from kite_common.db.types import Connection

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x6B697465  # "kite": one migrator at a time per database


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(component: str, package: str) -> list[Migration]:
    """Migrations shipped as `NNNN_name.sql` files inside a Python package."""
    root: Traversable = resources.files(package)
    found = []
    for entry in root.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(component, int(match[1]), match[2], entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


async def migrate(conn: Connection, migrations: list[Migration]) -> list[Migration]:
    """Apply what has not been applied yet; returns the migrations applied now."""
    applied_now: list[Migration] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   component text NOT NULL, version integer NOT NULL, name text NOT NULL,
                   checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        rows = await conn.fetch("SELECT component, version, checksum FROM schema_migrations")
        done = {(r["component"], r["version"]): r["checksum"] for r in rows}
        for m in migrations:
            key = (m.component, m.version)
            if key in done:
                if done[key] != m.checksum:
                    raise RuntimeError(f"migration {m.component}/{m.version:04d}_{m.name} changed after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1,$2,$3,$4)",
                    m.component,
                    m.version,
                    m.name,
                    m.checksum,
                )
            applied_now.append(m)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
