"""Use cases and queries of organisations: register, edit, move, dissolve; read one, list, members.

Tree changes are guarded in the read model as well as by stream versions: a write that hangs
something under an organisation holds its row FOR SHARE, a move or dissolution holds the row FOR
UPDATE, and moves take one tree-wide advisory lock (they are rare), so two moves can never make a
cycle between them and a child is never added under an organisation being dissolved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.http.problems import Forbidden, NotFound
from kite_common.ids import new_id
from kite_common.pagination import decode_cursor, encode_cursor
from kite_common.runtime import ServiceRuntime

from kite_roster.party.adapters.organisation_contacts import ContactPhones, masked_phones
from kite_roster.party.adapters.organisation_projection import ids_of_path
from kite_roster.party.application.party_common import (
    OrganisationRow,
    as_problem,
    check_if_match,
    organisation_row,
    today,
    unknown_reference,
)
from kite_roster.party.domain.organisation import (
    Organisation,
    OrganisationDraft,
    OrganisationEdit,
    OrganisationRuleViolation,
    ParentInfo,
    stream_id,
)
from kite_roster.party.domain.organisation_events import Contact, OrganisationKind

_TREE_LOCK = 0x6B6974655F6F7267  # "kite_org": one organisation move at a time


@dataclass(frozen=True)
class ContactInput:
    name: str
    role: str
    phone: str | None = None
    contact_id: uuid.UUID | None = None  # an existing contact, whose phone is kept when none is given


@dataclass(frozen=True)
class NewOrganisation:
    name: str
    kind: OrganisationKind
    division_code: str
    host_city: str | None
    parent_id: uuid.UUID | None
    contacts: tuple[ContactInput, ...]


@dataclass(frozen=True)
class OrganisationChanges:
    name: str
    host_city: str | None
    contacts: tuple[ContactInput, ...]


# writes


async def register_organisation(
    runtime: ServiceRuntime, phones: ContactPhones, principal: Principal, new: NewOrganisation
) -> uuid.UUID:
    if not principal.covers(new.division_code):
        raise Forbidden("该组织所在地区不在您的管辖范围内，不能登记", code="outside-jurisdiction")
    org = Organisation(new_id())
    contacts, phone_of = _contacts(new.contacts, existing=set(), stored_hashes={}, phones=phones)
    draft = OrganisationDraft(new.name, new.kind, new.division_code, new.host_city, contacts)
    async with runtime.unit_of_work() as uow:
        parent = None
        if new.parent_id is not None:
            parent = await _parent(uow.conn, principal, new.parent_id)
        try:
            events = org.register(draft, parent, principal.subject)
        except OrganisationRuleViolation as exc:
            raise as_problem(exc) from exc
        await phones.store(uow.conn, org.organisation_id, phone_of)
        await uow.append(stream_id(org.organisation_id), 0, events)
    return org.organisation_id


async def update_organisation(
    runtime: ServiceRuntime,
    phones: ContactPhones,
    principal: Principal,
    organisation_id: uuid.UUID,
    changes: OrganisationChanges,
    if_match: int | None,
) -> None:
    sid = stream_id(organisation_id)
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load(sid)
        org = _existing(Organisation.replay(organisation_id, loaded.events), principal)
        check_if_match(if_match, loaded.version)
        hashes = await uow.conn.fetch(
            "SELECT contact_id, phone_hash FROM organisation_contact_pii WHERE organisation_id = $1", organisation_id
        )
        contacts, phone_of = _contacts(
            changes.contacts,
            existing={c.contact_id for c in org.contacts},
            stored_hashes={r["contact_id"]: bytes(r["phone_hash"]) for r in hashes},
            phones=phones,
        )
        try:
            events = org.update(
                OrganisationEdit(changes.name, changes.host_city, contacts),
                principal.subject,
                phones_changed=bool(phone_of),
            )
        except OrganisationRuleViolation as exc:
            raise as_problem(exc) from exc
        if not events:
            return
        await phones.store(uow.conn, organisation_id, phone_of)
        await phones.keep_only(uow.conn, organisation_id, [c.contact_id for c in contacts])
        await uow.append(sid, loaded.version, events)


async def move_organisation(
    runtime: ServiceRuntime,
    principal: Principal,
    organisation_id: uuid.UUID,
    new_parent_id: uuid.UUID | None,
    if_match: int | None,
) -> None:
    sid = stream_id(organisation_id)
    async with runtime.unit_of_work() as uow:
        conn = uow.conn
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _TREE_LOCK)
        row = await _locked(conn, principal, organisation_id)
        loaded = await uow.load(sid)
        org = _existing(Organisation.replay(organisation_id, loaded.events), principal)
        check_if_match(if_match, loaded.version)
        parent = None
        if new_parent_id is not None:
            parent = await _parent(conn, principal, new_parent_id)
        deepest: int = await conn.fetchval("SELECT max(depth) FROM organisations WHERE path LIKE $1 || '%'", row.path)
        height = deepest - len(ids_of_path(row.path)) + 1
        try:
            events = org.move(parent, height, principal.subject)
        except OrganisationRuleViolation as exc:
            raise as_problem(exc) from exc
        await uow.append(sid, loaded.version, events)


async def dissolve_organisation(
    runtime: ServiceRuntime,
    principal: Principal,
    organisation_id: uuid.UUID,
    dissolved_on: date,
    reason: str,
    if_match: int | None,
) -> None:
    sid = stream_id(organisation_id)
    async with runtime.unit_of_work() as uow:
        conn = uow.conn
        await _locked(conn, principal, organisation_id)
        loaded = await uow.load(sid)
        org = _existing(Organisation.replay(organisation_id, loaded.events), principal)
        check_if_match(if_match, loaded.version)
        children: int = await conn.fetchval(
            "SELECT count(*) FROM organisations WHERE parent_id = $1 AND NOT dissolved", organisation_id
        )
        members: int = (
            await conn.fetchval("SELECT members FROM branch_counts WHERE organisation_id = $1", organisation_id) or 0
        )
        try:
            events = org.dissolve(dissolved_on, reason, children, members, today(), principal.subject)
        except OrganisationRuleViolation as exc:
            raise as_problem(exc) from exc
        await uow.append(sid, loaded.version, events)


def _existing(org: Organisation, principal: Principal) -> Organisation:
    if not org.registered:
        raise NotFound("未找到该组织", code="organisation-not-found")
    if not principal.covers(org.division_code):
        raise Forbidden("该组织不在您的管辖范围内", code="outside-jurisdiction")
    return org


async def _locked(conn: Connection, principal: Principal, organisation_id: uuid.UUID) -> OrganisationRow:
    row = await organisation_row(conn, organisation_id, lock="update")
    if row is None:
        raise NotFound("未找到该组织", code="organisation-not-found")
    if not principal.covers(row.division_code):
        raise Forbidden("该组织不在您的管辖范围内", code="outside-jurisdiction")
    return row


async def _parent(conn: Connection, principal: Principal, parent_id: uuid.UUID) -> ParentInfo:
    row = await organisation_row(conn, parent_id, lock="share")
    if row is None:
        raise unknown_reference("未找到上级组织", "parent-not-found", "parent_id")
    if not principal.covers(row.division_code):
        raise Forbidden("上级组织不在您的管辖范围内", code="outside-jurisdiction")
    return ParentInfo(row.organisation_id, row.name, row.kind, row.division_code, row.dissolved, ids_of_path(row.path))


def _contacts(
    inputs: tuple[ContactInput, ...],
    existing: set[uuid.UUID],
    stored_hashes: dict[uuid.UUID, bytes],
    phones: ContactPhones,
) -> tuple[tuple[Contact, ...], dict[uuid.UUID, str]]:
    """Contacts for the event, and the phones to store (only those new or changed)."""
    contacts: list[Contact] = []
    phone_of: dict[uuid.UUID, str] = {}
    for i, c in enumerate(inputs):
        if c.contact_id is None:
            if c.phone is None:
                raise unknown_reference("新联系人须填写联系电话", "phone-required", f"contacts.{i}.phone")
            contact_id = new_id()
        elif c.contact_id not in existing:
            raise unknown_reference("该组织没有这名联系人", "contact-not-found", f"contacts.{i}.contact_id")
        else:
            contact_id = c.contact_id
        if c.phone is not None and stored_hashes.get(contact_id) != phones.phone_hash(c.phone):
            phone_of[contact_id] = c.phone
        contacts.append(Contact(contact_id=contact_id, name=c.name, role=c.role))
    return tuple(contacts), phone_of


# reads

_COLUMNS = """o.organisation_id, o.parent_id, p.name AS parent_name, o.name, o.kind, o.division_code, o.host_city,
              o.depth, o.contacts, o.dissolved, o.dissolved_on, o.dissolved_reason, o.registered_at, o.version"""


@dataclass(frozen=True)
class OrganisationFilter:
    kind: OrganisationKind | None = None
    division_prefix: str | None = None
    host_city: str | None = None
    parent_id: uuid.UUID | None = None
    within: uuid.UUID | None = None  # the subtree of this organisation, itself included
    include_dissolved: bool = False


async def get_organisation(conn: Connection, principal: Principal, organisation_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS},
                   (SELECT count(*) FROM organisations c WHERE c.parent_id = o.organisation_id AND NOT c.dissolved)
                       AS children_count,
                   coalesce(bc.members, 0) AS members_count
            FROM organisations o
            LEFT JOIN organisations p ON p.organisation_id = o.parent_id
            LEFT JOIN branch_counts bc ON bc.organisation_id = o.organisation_id
            WHERE o.organisation_id = $1""",
        organisation_id,
    )
    if row is None:
        raise NotFound("未找到该组织", code="organisation-not-found")
    if not principal.covers(row["division_code"]):
        raise Forbidden("该组织不在您的管辖范围内", code="outside-jurisdiction")
    [out] = await _with_contacts(conn, [row])
    return out


async def list_organisations(
    conn: Connection, principal: Principal, f: OrganisationFilter, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    where = ["o.division_code LIKE $1"]
    args: list[Any] = [principal.jurisdiction_like]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.division_prefix:
        where.append(f"o.division_code LIKE {arg(f.division_prefix + '%')}")
    if f.kind is not None:
        where.append(f"o.kind = {arg(f.kind.value)}")
    if f.host_city:
        where.append(f"o.host_city = {arg(f.host_city)}")
    if f.parent_id is not None:
        where.append(f"o.parent_id = {arg(f.parent_id)}")
    if f.within is not None:
        path = await conn.fetchval("SELECT path FROM organisations WHERE organisation_id = $1", f.within)
        if path is None:
            return [], None
        where.append(f"o.path LIKE {arg(path + '%')}")
    if not f.include_dissolved:
        where.append("NOT o.dissolved")
    if cursor:
        where.append(f"o.organisation_id > {arg(decode_cursor(cursor))}")
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM organisations o LEFT JOIN organisations p ON p.organisation_id = o.parent_id
            WHERE {" AND ".join(where)} ORDER BY o.organisation_id LIMIT {arg(limit + 1)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["organisation_id"]) if len(rows) > limit else None
    return await _with_contacts(conn, list(rows[:limit])), next_cursor


async def list_organisation_members(
    conn: Connection,
    principal: Principal,
    organisation_id: uuid.UUID,
    role: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    """The branch's current members (those in the caller's jurisdiction), by member id."""
    org = await organisation_row(conn, organisation_id)
    if org is None:
        raise NotFound("未找到该组织", code="organisation-not-found")
    if not principal.covers(org.division_code):
        raise Forbidden("该组织不在您的管辖范围内", code="outside-jurisdiction")
    args: list[Any] = [organisation_id, principal.jurisdiction_like]
    where = ["b.organisation_id = $1", "b.left_on IS NULL", "m.origin_division_code LIKE $2"]
    if role:
        args.append(role)
        where.append(f"b.role = ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"b.member_id > ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT b.member_id, m.name, m.gender, m.origin_division_code, m.current_city, m.employer,
                   b.role, b.joined_on, p.status AS party_status, p.joined_on AS party_joined_on,
                   (p.probationary AND p.confirmed_on IS NULL) AS probationary
            FROM branch_memberships b
            JOIN members m ON m.member_id = b.member_id
            JOIN party_members p ON p.member_id = b.member_id
            WHERE {" AND ".join(where)} ORDER BY b.member_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def _with_contacts(conn: Connection, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """Rows as dicts, their contacts' phones masked, in one query for the whole page."""
    masked = await masked_phones(conn, [r["organisation_id"] for r in rows])
    out = []
    for r in rows:
        item = dict(r)
        item["contacts"] = [{**c, "phone": masked.get(uuid.UUID(c["contact_id"]))} for c in (r["contacts"] or [])]
        out.append(item)
    return out
