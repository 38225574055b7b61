"""The organisation aggregate (党委/党总支/党支部, 驻外服务站, 乡镇, 村 …): pure decisions, no I/O.

Organisations form one tree. What the tree needs from outside the aggregate (the parent's kind,
area and ancestors; how many children and members an organisation has) is looked up by the
application and handed in as plain values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict, DomainError
from kite_common.events import EventPayload

from kite_roster.party.domain.organisation_events import (
    Contact,
    OrganisationDissolved,
    OrganisationKind,
    OrganisationMoved,
    OrganisationRegistered,
    OrganisationUpdated,
)
from kite_roster.shared.divisions import division_problem, level_of

K = OrganisationKind

# Out-stationed in a destination city: the host city is what they are for.
OUTSTATION_KINDS = frozenset({K.OUTSTATION_BRANCH, K.SERVICE_STATION, K.HR_STATION})
# Only branches have party members of their own (三重覆盖 is a matter of branches).
BRANCH_KINDS = frozenset({K.BRANCH, K.OUTSTATION_BRANCH})
# Administrative units are where they are: they have no host city.
_NO_HOST_CITY = frozenset({K.TOWNSHIP, K.VILLAGE})
# Kinds whose area must be a township or a village code.
_LEVEL = {K.TOWNSHIP: "township", K.VILLAGE: "village", K.UNION_WORK_GROUP: "village"}

# Which kinds may sit under which (None: may be a root). A county party committee is a root or
# sits under another committee; a 驻京流动党员党委 sits under its county committee; branches sit under
# a committee, a general branch, a township or a village; a village sits under its township.
ALLOWED_PARENTS: dict[OrganisationKind, frozenset[OrganisationKind | None]] = {
    K.PARTY_COMMITTEE: frozenset({None, K.PARTY_COMMITTEE, K.TOWNSHIP}),
    K.GENERAL_BRANCH: frozenset({K.PARTY_COMMITTEE, K.TOWNSHIP, K.VILLAGE}),
    K.BRANCH: frozenset({K.PARTY_COMMITTEE, K.GENERAL_BRANCH, K.TOWNSHIP, K.VILLAGE}),
    K.OUTSTATION_BRANCH: frozenset({K.PARTY_COMMITTEE, K.GENERAL_BRANCH, K.TOWNSHIP}),
    K.SERVICE_STATION: frozenset({None, K.PARTY_COMMITTEE, K.TOWNSHIP}),
    K.HR_STATION: frozenset({None, K.PARTY_COMMITTEE, K.TOWNSHIP}),
    K.UNION_WORK_GROUP: frozenset({K.TOWNSHIP, K.VILLAGE}),
    K.TOWNSHIP: frozenset({None, K.PARTY_COMMITTEE}),
    K.VILLAGE: frozenset({K.TOWNSHIP}),
}

MAX_DEPTH = 12  # a county's tree is 5–6 levels deep; the bound keeps materialised paths short
MAX_CONTACTS = 20


class OrganisationRuleViolation(DomainError):
    """A request the domain refuses: the request itself breaks a rule (422, listing `field` when
    there is one), or, as an OrganisationConflict, the organisation's state forbids it (409).
    `status` says which; the message is for people (Chinese)."""

    status: ClassVar[int] = 422

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class OrganisationConflict(OrganisationRuleViolation, Conflict):
    """Refused because of the organisation's current state rather than the request itself (409)."""

    status: ClassVar[int] = 409


def area_prefix(division_code: str) -> str:
    """The part of a code that names the area: 522631000000 → 522631; 522631101000 → 522631101."""
    if division_code[6:] == "000000":
        return division_code[:6]
    if division_code[9:] == "000":
        return division_code[:9]
    return division_code


@dataclass(frozen=True)
class ParentInfo:
    """A would-be parent as the read model knows it; `ancestors` runs from the root to it, itself included."""

    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    division_code: str
    dissolved: bool
    ancestors: tuple[uuid.UUID, ...]

    @property
    def depth(self) -> int:
        return len(self.ancestors)


@dataclass(frozen=True)
class OrganisationDraft:
    name: str
    kind: OrganisationKind
    division_code: str
    host_city: str | None = None
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class OrganisationEdit:
    name: str
    host_city: str | None
    contacts: tuple[Contact, ...]


@dataclass
class Organisation(Aggregate):
    stream_prefix: ClassVar[str] = "organisation"
    label: ClassVar[str] = "该记录"

    organisation_id: uuid.UUID
    registered: bool = False
    name: str = ""
    kind: OrganisationKind | None = None
    division_code: str = ""
    host_city: str | None = None
    parent_id: uuid.UUID | None = None
    contacts: list[Contact] = field(default_factory=list)
    dissolved: bool = False

    @property
    def id(self) -> uuid.UUID:
        return self.organisation_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, OrganisationRegistered):
            self.registered = True
            self.name, self.kind, self.division_code = event.name, event.kind, event.division_code
            self.host_city, self.parent_id, self.contacts = event.host_city, event.parent_id, list(event.contacts)
        elif isinstance(event, OrganisationUpdated):
            self.name, self.host_city, self.contacts = event.name, event.host_city, list(event.contacts)
        elif isinstance(event, OrganisationMoved):
            self.parent_id = event.to_parent_id
        elif isinstance(event, OrganisationDissolved):
            self.dissolved = True

    # decisions

    def register(self, draft: OrganisationDraft, parent: ParentInfo | None, registered_by: str) -> list[EventPayload]:
        if self.registered:
            raise OrganisationConflict("该组织已登记", "organisation-exists")
        name = _name(draft.name)
        problem = division_problem(draft.division_code)
        if problem:
            raise OrganisationRuleViolation(problem, "invalid-division-code", "division_code")
        wanted_level = _LEVEL.get(draft.kind)
        if wanted_level and level_of(draft.division_code) != wanted_level:
            level_name = {"township": "乡级", "village": "村级"}[wanted_level]
            raise OrganisationRuleViolation(
                f"{draft.kind.label}的区划代码应为{level_name}代码", "division-level", "division_code"
            )
        host_city = _host_city(draft.kind, draft.host_city)
        contacts = _contacts(draft.contacts)
        self._check_parent(draft.kind, draft.division_code, parent, subtree_height=1)
        return self._record(
            OrganisationRegistered(
                organisation_id=self.organisation_id,
                name=name,
                kind=draft.kind,
                division_code=draft.division_code,
                host_city=host_city,
                parent_id=parent.organisation_id if parent else None,
                contacts=list(contacts),
                registered_by=registered_by,
            )
        )

    def update(self, edit: OrganisationEdit, updated_by: str, phones_changed: bool = False) -> list[EventPayload]:
        """Nothing is stored when nothing changes. A contact's new phone is a change too, though the
        event does not carry it: the history then shows who changed the contacts and when."""
        kind = self._live_kind()
        name = _name(edit.name)
        host_city = _host_city(kind, edit.host_city)
        contacts = list(_contacts(edit.contacts))
        if (name, host_city, contacts) == (self.name, self.host_city, self.contacts) and not phones_changed:
            return []
        return self._record(
            OrganisationUpdated(
                organisation_id=self.organisation_id,
                name=name,
                host_city=host_city,
                contacts=contacts,
                updated_by=updated_by,
            )
        )

    def move(self, new_parent: ParentInfo | None, subtree_height: int, moved_by: str) -> list[EventPayload]:
        """`subtree_height`: levels from this organisation down to its deepest descendant, itself counted."""
        kind = self._live_kind()
        to_id = new_parent.organisation_id if new_parent else None
        if to_id == self.parent_id:
            raise OrganisationConflict("该组织已在此上级组织之下", "already-there", "parent_id")
        if new_parent is not None and self.organisation_id in new_parent.ancestors:
            raise OrganisationRuleViolation("不能把组织移到它自己或它的下级组织之下（会形成环）", "cycle", "parent_id")
        self._check_parent(kind, self.division_code, new_parent, subtree_height)
        return self._record(
            OrganisationMoved(
                organisation_id=self.organisation_id,
                from_parent_id=self.parent_id,
                to_parent_id=to_id,
                moved_by=moved_by,
            )
        )

    def dissolve(
        self, dissolved_on: date, reason: str, active_children: int, active_members: int, today: date, dissolved_by: str
    ) -> list[EventPayload]:
        self._live_kind()
        reason = reason.strip()
        if not reason:
            raise OrganisationRuleViolation("请填写撤销原因", "reason-required", "reason")
        if dissolved_on > today:
            raise OrganisationRuleViolation("撤销日期不能晚于今天", "date-in-future", "dissolved_on")
        if active_children:
            raise OrganisationConflict(
                f"该组织下还有 {active_children} 个未撤销的下级组织，请先撤销或移走", "has-children"
            )
        if active_members:
            raise OrganisationConflict(f"该组织还有 {active_members} 名在册党员，请先办理转移或退出", "has-members")
        return self._record(
            OrganisationDissolved(
                organisation_id=self.organisation_id,
                dissolved_on=dissolved_on,
                reason=reason,
                dissolved_by=dissolved_by,
            )
        )

    # rules

    def _live_kind(self) -> OrganisationKind:
        if not self.registered or self.kind is None:
            raise OrganisationRuleViolation("未找到该组织", "organisation-not-found")
        if self.dissolved:
            raise OrganisationConflict("该组织已撤销", "organisation-dissolved")
        return self.kind

    @staticmethod
    def _check_parent(
        kind: OrganisationKind, division_code: str, parent: ParentInfo | None, subtree_height: int
    ) -> None:
        allowed = ALLOWED_PARENTS[kind]
        if parent is None:
            if None not in allowed:
                raise OrganisationRuleViolation(f"{kind.label}必须有上级组织", "parent-required", "parent_id")
            return
        if parent.dissolved:
            raise OrganisationConflict(f"上级组织“{parent.name}”已撤销", "parent-dissolved", "parent_id")
        if parent.kind not in allowed:
            raise OrganisationRuleViolation(f"{kind.label}不能设在{parent.kind.label}之下", "parent-kind", "parent_id")
        if not division_code.startswith(area_prefix(parent.division_code)):
            raise OrganisationRuleViolation(
                f"区划代码 {division_code} 不在上级组织“{parent.name}”的区域（{parent.division_code}）之内",
                "outside-parent-area",
                "division_code",
            )
        if parent.depth + subtree_height > MAX_DEPTH:
            raise OrganisationRuleViolation(f"组织层级不能超过 {MAX_DEPTH} 级", "too-deep", "parent_id")


def _name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise OrganisationRuleViolation("请填写组织名称", "name-required", "name")
    return name


def _host_city(kind: OrganisationKind, raw: str | None) -> str | None:
    city = (raw or "").strip() or None
    if kind in OUTSTATION_KINDS and city is None:
        raise OrganisationRuleViolation(f"{kind.label}须填写驻在城市", "host-city-required", "host_city")
    if kind in _NO_HOST_CITY and city is not None:
        raise OrganisationRuleViolation(f"{kind.label}没有驻在城市", "host-city-not-allowed", "host_city")
    return city


def _contacts(contacts: Sequence[Contact]) -> tuple[Contact, ...]:
    if len(contacts) > MAX_CONTACTS:
        raise OrganisationRuleViolation(f"联系人不能超过 {MAX_CONTACTS} 名", "too-many-contacts", "contacts")
    out = []
    for i, c in enumerate(contacts):
        name, role = c.name.strip(), c.role.strip()
        if not name or not role:
            raise OrganisationRuleViolation("联系人须填写姓名和职务", "contact-incomplete", f"contacts.{i}")
        out.append(Contact(contact_id=c.contact_id, name=name, role=role))
    if len({c.contact_id for c in out}) != len(out):
        raise OrganisationRuleViolation("联系人重复", "duplicate-contact", "contacts")
    return tuple(out)
