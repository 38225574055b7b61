"""`escalation_offices`: the office of each area that supervises escalated cases (四级联动), kept from
roster's organisation events (with `case_offices`, every office a case may be credited to); and the
lookup of the nearest office above a case's level."""

from __future__ import annotations

import uuid
from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope
from pydantic import BaseModel, ConfigDict

from kite_casework.adapters import case_offices
from kite_casework.domain.escalation import AdminLevel, EscalationOffice, area_of, level_of_area, levels_above

# Roster's kinds that are the administration of their area: a township's or village's own office,
# and a party committee with no parent (the county's or city's committee, not a 驻外 one below it).
_AREA_KINDS = frozenset({"township", "village"})
_ROOT_KINDS = frozenset({"party-committee"})


class _Registered(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation_id: uuid.UUID
    name: str
    kind: str
    division_code: str
    parent_id: uuid.UUID | None = None


class _Named(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation_id: uuid.UUID
    name: str


class _Identified(BaseModel):
    model_config = ConfigDict(extra="ignore")

    organisation_id: uuid.UUID


def _event_name(event_type: str) -> str:
    """kite.roster.organisation-registered.v1 → organisation-registered"""
    parts = event_type.split(".")
    return parts[2] if len(parts) == 4 else ""


async def apply_organisation_event(conn: Connection, envelope: EventEnvelope) -> None:
    """Keep the table from one roster event; any other event is ignored. Re-applying an event
    changes nothing (roster_version guards against old ones)."""
    name = _event_name(envelope.type)
    if name == "organisation-registered":
        org = _Registered.model_validate(envelope.data)
        await case_offices.registered(
            conn, org.organisation_id, org.name, org.kind, org.division_code, envelope.stream_version
        )
        if org.kind in _AREA_KINDS or (org.kind in _ROOT_KINDS and org.parent_id is None):
            # The first office registered for an area keeps it: a second one is a duplicate entry.
            await conn.execute(
                """INSERT INTO escalation_offices (division_code, office_id, office_name, organisation_kind,
                       roster_version)
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
                area_of(org.division_code),
                org.organisation_id,
                org.name,
                org.kind,
                envelope.stream_version,
            )
    elif name == "organisation-updated":
        named = _Named.model_validate(envelope.data)
        await case_offices.renamed(conn, named.organisation_id, named.name, envelope.stream_version)
        await conn.execute(
            """UPDATE escalation_offices SET office_name = $2, roster_version = $3
               WHERE office_id = $1 AND roster_version < $3""",
            named.organisation_id,
            named.name,
            envelope.stream_version,
        )
    elif name in ("organisation-dissolved", "organisation-moved"):
        # A dissolved office supervises nothing; a committee moved under another is no longer its
        # area's top one. Either way the area has no office until another is registered.
        gone = _Identified.model_validate(envelope.data)
        if name == "organisation-dissolved":
            await case_offices.dissolved(conn, gone.organisation_id)
        await conn.execute("DELETE FROM escalation_offices WHERE office_id = $1", gone.organisation_id)


async def next_office(conn: Connection, origin_division_code: str, level: AdminLevel) -> EscalationOffice | None:
    """The nearest level above `level` around the case's home place that has an office."""
    candidates = {lvl.prefix_of(origin_division_code): lvl for lvl in levels_above(level)}
    if not candidates:
        return None
    rows = await conn.fetch(
        "SELECT division_code, office_id, office_name FROM escalation_offices WHERE division_code = ANY($1::text[])",
        list(candidates),
    )
    found: dict[str, Any] = {r["division_code"]: r for r in rows}
    for code, lvl in sorted(candidates.items(), key=lambda item: -len(item[0])):
        row = found.get(code)
        if row is not None:
            assert level_of_area(code) is lvl
            return EscalationOffice(lvl, code, row["office_id"], row["office_name"])
    return None
