"""Keeps the `organisations` read model, with its materialised paths, from organisation events."""

from __future__ import annotations

import uuid

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import AppliedWhenPrepared

from kite_roster.party.domain.organisation_events import (
    OrganisationDissolved,
    OrganisationMoved,
    OrganisationRegistered,
    OrganisationUpdated,
)


def path_segment(organisation_id: uuid.UUID) -> str:
    return organisation_id.hex + "/"


def ids_of_path(path: str) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(hex=part) for part in path.split("/") if part)


class OrganisationProjection(AppliedWhenPrepared):
    name = "organisations"
    tables = ("organisations",)
    handles = (OrganisationRegistered, OrganisationUpdated, OrganisationMoved, OrganisationDissolved)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, OrganisationRegistered):
            parent_path, parent_depth = await self._path_of(conn, payload.parent_id)
            await conn.execute(
                """INSERT INTO organisations (organisation_id, parent_id, name, kind, division_code, host_city, path,
                       depth, contacts, registered_at, registered_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
                payload.organisation_id,
                payload.parent_id,
                payload.name,
                payload.kind.value,
                payload.division_code,
                payload.host_city,
                parent_path + path_segment(payload.organisation_id),
                parent_depth + 1,
                [c.model_dump(mode="json") for c in payload.contacts],
                event.time,
                payload.registered_by,
                event.stream_version,
            )
        elif isinstance(payload, OrganisationUpdated):
            await conn.execute(
                """UPDATE organisations SET name = $2, host_city = $3, contacts = $4, version = $5
                   WHERE organisation_id = $1""",
                payload.organisation_id,
                payload.name,
                payload.host_city,
                [c.model_dump(mode="json") for c in payload.contacts],
                event.stream_version,
            )
        elif isinstance(payload, OrganisationMoved):
            old_path, old_depth = await self._path_of(conn, payload.organisation_id)
            parent_path, parent_depth = await self._path_of(conn, payload.to_parent_id)
            new_path = parent_path + path_segment(payload.organisation_id)
            # The whole subtree follows: its paths keep their tails under the new prefix.
            await conn.execute(
                """UPDATE organisations
                   SET path = $2 || substr(path, $3 + 1), depth = depth + $4
                   WHERE path LIKE $1 || '%'""",
                old_path,
                new_path,
                len(old_path),
                parent_depth + 1 - old_depth,
            )
            await conn.execute(
                "UPDATE organisations SET parent_id = $2, version = $3 WHERE organisation_id = $1",
                payload.organisation_id,
                payload.to_parent_id,
                event.stream_version,
            )
        elif isinstance(payload, OrganisationDissolved):
            await conn.execute(
                """UPDATE organisations SET dissolved = true, dissolved_on = $2, dissolved_reason = $3, version = $4
                   WHERE organisation_id = $1""",
                payload.organisation_id,
                payload.dissolved_on,
                payload.reason,
                event.stream_version,
            )

    @staticmethod
    async def _path_of(conn: Connection, organisation_id: uuid.UUID | None) -> tuple[str, int]:
        if organisation_id is None:
            return "", 0
        row = await conn.fetchrow("SELECT path, depth FROM organisations WHERE organisation_id = $1", organisation_id)
        if row is None:
            raise LookupError(f"organisation {organisation_id} is not in the read model")
        return str(row["path"]), int(row["depth"])
