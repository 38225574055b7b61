"""A mirror table: one row per entity of another service, written only by that service's events.

Each row carries the publisher's stream version. A registration upserts the row unless the row is
already at a newer version; a later event updates only the columns it changes, and only when it is
newer than the row. The consumer's inbox already makes delivery exactly-once and one entity's events
arrive in order (one key): the version guard is the second line, so an older event never overwrites
a newer one. Column names are interpolated into SQL: they come from the declaration, never from
input, and an event can only set the declared ones.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kite_common.db.types import Connection

log = logging.getLogger(__name__)

Transform = Callable[[Any], Any]


@dataclass(frozen=True)
class MirrorTable:
    table: str
    key: str  # the entity's id column, e.g. "member_id"
    version_column: str  # the publisher's stream version, e.g. "roster_version"
    columns: frozenset[str]  # the columns this service keeps (besides key and version)
    # Per-column normalisation, applied to every value written (e.g. trimmed city names).
    transforms: Mapping[str, Transform] = field(default_factory=dict)

    def kept(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values this table keeps, normalised."""
        out = {}
        for column, value in values.items():
            if column in self.columns:
                transform = self.transforms.get(column)
                out[column] = transform(value) if transform is not None and value is not None else value
        return out

    async def upsert(self, conn: Connection, key: Any, version: int, values: Mapping[str, Any]) -> None:
        """Insert the entity, or refresh it unless the row is at a newer version."""
        kept = self.kept(values)
        columns = [self.key, *kept, self.version_column]
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
        await conn.execute(
            f"""INSERT INTO {self.table} ({", ".join(columns)}) VALUES ({placeholders})
                ON CONFLICT ({self.key}) DO UPDATE SET {updates}
                WHERE {self.table}.{self.version_column} <= EXCLUDED.{self.version_column}""",
            key,
            *kept.values(),
            version,
        )

    async def upsert_many(self, conn: Connection, rows: Sequence[tuple[Any, int, Mapping[str, Any]]]) -> None:
        """`upsert` for many entities (key, version, values) in one statement; one entity at most
        once. The rows travel as one JSON document read as rows of the table (so every column gets
        its own type), grouped by the columns they set."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key, version, values in rows:
            kept = self.kept(values)
            groups.setdefault(tuple(kept), []).append({self.key: key, **kept, self.version_column: version})
        for kept_columns, items in groups.items():
            columns = [self.key, *kept_columns, self.version_column]
            names = ", ".join(columns)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
            await conn.execute(
                f"""INSERT INTO {self.table} ({names})
                    SELECT {names} FROM jsonb_populate_recordset(NULL::{self.table}, ($1::text)::jsonb)
                    ON CONFLICT ({self.key}) DO UPDATE SET {updates}
                    WHERE {self.table}.{self.version_column} <= EXCLUDED.{self.version_column}""",
                json.dumps(items, ensure_ascii=False, default=_json_value),
            )

    async def update(self, conn: Connection, key: Any, version: int, values: Mapping[str, Any]) -> bool:
        """Set the kept ones of `values` if `version` is newer than the row's. An entity the mirror has
        never heard of stays unknown (its registration brings everything). Returns whether a row
        changed; values this table does not keep change nothing."""
        kept = self.kept(values)
        if not kept:
            return False
        columns = list(kept)
        assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=3))
        status = await conn.execute(
            f"""UPDATE {self.table} SET {assignments}, {self.version_column} = $2
                WHERE {self.key} = $1 AND {self.version_column} < $2""",
            key,
            version,
            *kept.values(),
        )
        if status == "UPDATE 0":
            log.info("%s: %s v%d not applied (unknown or older event)", self.table, key, version)
            return False
        return True


def _json_value(value: Any) -> str:
    if isinstance(value, date):  # and datetime: ISO 8601, which PostgreSQL reads back exactly
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written to a mirror row")
