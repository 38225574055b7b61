"""What writes and reads need to know of the organisation tree, from its read model: an
organisation's row, how deep the tree runs below it, how many live children it has, its name.

Tree changes are guarded here as well as by stream versions: a write that hangs something under an
organisation holds its row FOR SHARE, a move or dissolution holds the row FOR UPDATE, and moves take
one tree-wide advisory lock (they are rare), so two moves can never make a cycle between them and a
child is never added under an organisation being dissolved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from kite_common.db.types import Connection

from kite_roster.party.adapters.organisation_projection import ids_of_path
from kite_roster.party.domain.organisation_events import OrganisationKind

_TREE_LOCK = 0x6B6974655F6F7267  # "kite_org": one organisation move at a time

Lock = Literal["share", "update"] | None


@dataclass(frozen=True)
class OrganisationRow:
    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    division_code: str
    dissolved: bool
    path: str

    @property
    def ancestors(self) -> tuple[uuid.UUID, ...]:
        """From the root down to this organisation, itself included."""
        return ids_of_path(self.path)


async def organisation_row(conn: Connection, organisation_id: uuid.UUID, lock: Lock = None) -> OrganisationRow | None:
    """The read model's row; `share` keeps it from being dissolved or moved until we commit,
    `update` keeps anyone else from hanging something under it meanwhile."""
    suffix = {None: "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    row = await conn.fetchrow(
        "SELECT organisation_id, name, kind, division_code, dissolved, path FROM organisations"
        " WHERE organisation_id = $1" + suffix,
        organisation_id,
    )
    if row is None:
        return None
    return OrganisationRow(
        row["organisation_id"],
        row["name"],
        OrganisationKind(row["kind"]),
        row["division_code"],
        row["dissolved"],
        row["path"],
    )


async def lock_tree(conn: Connection) -> None:
    """Held until the transaction ends: one move at a time, tree-wide."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _TREE_LOCK)


async def subtree_height(conn: Connection, row: OrganisationRow) -> int:
    """Levels from the organisation down to its deepest descendant, itself counted."""
    deepest: int = await conn.fetchval("SELECT max(depth) FROM organisations WHERE path LIKE $1 || '%'", row.path)
    return deepest - len(row.ancestors) + 1


async def live_children(conn: Connection, organisation_id: uuid.UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM organisations WHERE parent_id = $1 AND NOT dissolved", organisation_id
    )
    return count


async def organisation_names(conn: Connection, organisation_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not organisation_ids:
        return {}
    rows = await conn.fetch(
        "SELECT organisation_id, name FROM organisations WHERE organisation_id = ANY($1::uuid[])", organisation_ids
    )
    return {r["organisation_id"]: r["name"] for r in rows}
