"""The member aggregate: pure decisions, no I/O."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import ClassVar, Literal, get_args

from kite_common.domain import Aggregate, Conflict, NotFound, RuleViolation
from kite_common.events import EventPayload
from kite_common.privacy.redaction import fold

from kite_roster.members.domain.member_events import (
    ContactChannel,
    DeregistrationReason,
    EditableField,
    Gender,
    MemberContacted,
    MemberContactLost,
    MemberContactRestored,
    MemberDeregistered,
    MemberRegistered,
    MemberRelocated,
    MemberUpdated,
)
from kite_roster.shared.identity import gender_of, normalise_id_number

MemberStatus = Literal["active", "deregistered"]
ContactStatus = Literal["in-contact", "lost"]

EDITABLE_FIELDS: tuple[EditableField, ...] = get_args(EditableField)
DEREGISTRATION_REASONS: dict[DeregistrationReason, str] = {
    "returned-home": "返乡",
    "deceased": "去世",
    "moved-away": "迁出",
    "other": "其他",
}
# A contact time a little ahead of the server's clock is a phone's clock, not a made-up date.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_MOVE = date(1950, 1, 1)

# Notes are free text that ends up in events, which must never carry a personal number: refuse a
# note that looks like it holds a mobile or ID number (spaces and dashes between digits ignored).
_PERSONAL_NUMBER = re.compile(r"(?<![0-9])(?:1[0-9]{10}|[0-9]{17}[0-9Xx])(?![0-9])")


class MemberRuleViolation(RuleViolation):
    """A request the domain refuses (422); the message is for people (Chinese). The problem lists
    `errors`: the wrong field when one is named, else none."""

    code = "invalid-member"

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        errors = [{"field": field, "code": code or self.code, "message": message}] if field else []
        super().__init__(message, code=code, field=field, errors=errors)


class MemberNotRegistered(NotFound):
    code = "member-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该人员")


class MemberDeregisteredError(Conflict):
    """The member has left the roster: their record is closed to changes (409)."""

    code = "member-deregistered"

    def __init__(self, reason: DeregistrationReason | None) -> None:
        label = DEREGISTRATION_REASONS.get(reason, "") if reason else ""
        super().__init__(f"该人员已注销（{label}），不能再修改" if label else "该人员已注销，不能再修改")


def stream_id(member_id: uuid.UUID) -> str:
    return Member.stream_id_for(member_id)


def name_bigrams(text: str) -> list[str]:
    """Every pair of adjacent characters (王小明 → [王小, 小明]), in order, repeats dropped."""
    pairs = [text[i : i + 2] for i in range(len(text) - 1)]
    return list(dict.fromkeys(pairs)) if len(pairs) > 1 else pairs


def search_terms(
    name: str, origin_division_code: str, city: str, employer: str | None, industry: str | None
) -> list[str]:
    """What the search index holds for a member (members.search_terms, migration 0002): the name's
    character pairs; the city, employer and industry as 'c:…', 'e:…', 'i:…'; and the same within the
    home county as 'c@<county>:…' etc., so that "our county's people in 深圳" reads a short list
    instead of intersecting all of 深圳 with all of the county. Every tagged term is longer than a
    pair, so none is ever taken for part of a name."""
    county = origin_division_code[:6]
    terms = name_bigrams(name)
    terms += ("c:" + city, f"c@{county}:{city}")
    if employer is not None:
        terms += ("e:" + employer, f"e@{county}:{employer}")
    if industry is not None:
        terms += ("i:" + industry, f"i@{county}:{industry}")
    return terms


def holds_personal_number(text: str) -> bool:
    return bool(_PERSONAL_NUMBER.search(re.sub(r"[\s\-]", "", fold(text))))  # fold: １３８…, ١٣٨… too


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _skills(values: Iterable[str]) -> list[str]:
    return sorted({s.strip() for s in values if s.strip()})


def _languages(values: Iterable[str]) -> list[str]:
    """Order kept (the first is the one the member speaks best), blanks and repeats dropped."""
    seen: dict[str, None] = {}
    for v in values:
        if v.strip():
            seen.setdefault(v.strip(), None)
    return list(seen)


def _note(note: str | None) -> str | None:
    cleaned = _clean(note)
    if cleaned and holds_personal_number(cleaned):
        raise MemberRuleViolation("备注中不能填写手机号或身份证号", "note", "personal-number-in-note")
    return cleaned


@dataclass(frozen=True)
class Registration:
    name: str
    id_number: str
    phone: str
    origin_division_code: str
    current_city: str
    employer: str | None
    is_party_member: bool
    gender: Gender | None = None
    skills: tuple[str, ...] = field(default_factory=tuple)
    industry: str | None = None
    languages: tuple[str, ...] = field(default_factory=tuple)
    disability: str | None = None
    union_member: bool = False


@dataclass(frozen=True)
class MemberEdit:
    """An edit of some fields: `given` names the fields the request set (a given None clears
    disability or industry); the others stay as they are. The phone is decided outside (it is
    compared by keyed hash), so only whether it changed comes in, as `phone_changed`."""

    given: frozenset[EditableField]
    name: str | None = None
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    disability: str | None = None
    union_member: bool = False
    industry: str | None = None
    phone_changed: bool = False


@dataclass(frozen=True)
class Relocation:
    current_city: str
    employer: str | None
    moved_on: date
    # None keeps the member's industry.
    industry: str | None = None


def register_new_member(member_id: uuid.UUID, reg: Registration, registered_by: str) -> list[EventPayload]:
    """What `Member(member_id).register(reg, registered_by)` decides for a member not yet registered,
    without building the aggregate (a bulk import registers a million of them)."""
    try:
        id_number = normalise_id_number(reg.id_number)
    except ValueError as exc:
        raise MemberRuleViolation(str(exc), "id_number") from exc
    derived = gender_of(id_number)
    if reg.gender is not None and reg.gender != derived:
        raise MemberRuleViolation("性别与身份证号不符", "gender")
    name = reg.name.strip()
    if not name:
        raise MemberRuleViolation("姓名不能为空", "name")
    city = reg.current_city.strip()
    if not city:
        raise MemberRuleViolation("务工地不能为空", "current_city")
    return [
        MemberRegistered(
            member_id=member_id,
            name=name,
            gender=derived,
            birth_year=int(id_number[6:10]),  # the birth date's year: normalise_id_number checked the date
            origin_division_code=reg.origin_division_code,
            current_city=city,
            employer=_clean(reg.employer),
            is_party_member=reg.is_party_member,
            skills=_skills(reg.skills),
            registered_by=registered_by,
            industry=_clean(reg.industry),
            languages=_languages(reg.languages),
            disability=_clean(reg.disability),
            union_member=reg.union_member,
        )
    ]


@dataclass
class Member(Aggregate):
    stream_prefix: ClassVar[str] = "member"
    label: ClassVar[str] = "该人员信息"
    jurisdiction_attribute: ClassVar[str | None] = "origin_division_code"

    member_id: uuid.UUID
    registered: bool = False
    status: MemberStatus = "active"
    deregistered_reason: DeregistrationReason | None = None
    origin_division_code: str | None = None
    name: str = ""
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    disability: str | None = None
    union_member: bool = False
    industry: str | None = None
    current_city: str = ""
    employer: str | None = None
    contact_status: ContactStatus = "in-contact"
    last_contact_at: datetime | None = None
    last_moved_on: date | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.member_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, MemberRegistered):
            self.registered = True
            self.origin_division_code = event.origin_division_code
            self.name = event.name
            self.skills = list(event.skills)
            self.languages = list(event.languages)
            self.disability = event.disability
            self.union_member = event.union_member
            self.industry = event.industry
            self.current_city = event.current_city
            self.employer = event.employer
        elif isinstance(event, MemberUpdated):
            for name in event.changed:
                if name != "phone":
                    setattr(self, name, getattr(event, name))
        elif isinstance(event, MemberRelocated):
            self.current_city, self.employer, self.industry = event.current_city, event.employer, event.industry
            self.last_moved_on = event.moved_on
        elif isinstance(event, MemberDeregistered):
            self.status = "deregistered"
            self.deregistered_reason = event.reason
        elif isinstance(event, MemberContacted):
            if self.last_contact_at is None or event.contacted_at > self.last_contact_at:
                self.last_contact_at = event.contacted_at
        elif isinstance(event, MemberContactLost):
            self.contact_status = "lost"
        elif isinstance(event, MemberContactRestored):
            self.contact_status = "in-contact"

    def _ensure_active(self) -> None:
        if not self.registered:
            raise MemberNotRegistered()
        if self.status != "active":
            raise MemberDeregisteredError(self.deregistered_reason)

    def register(self, reg: Registration, registered_by: str) -> list[EventPayload]:
        if self.registered:
            raise MemberRuleViolation("该人员已登记")
        return self._record(*register_new_member(self.member_id, reg, registered_by))

    def edit(self, edit: MemberEdit, updated_by: str) -> list[EventPayload]:
        """Only what really changes is recorded; an edit that changes nothing records nothing."""
        self._ensure_active()
        new: dict[str, object] = {}
        if "name" in edit.given:
            name = (edit.name or "").strip()
            if not name:
                raise MemberRuleViolation("姓名不能为空", "name")
            new["name"] = name
        if "skills" in edit.given:
            new["skills"] = _skills(edit.skills)
        if "languages" in edit.given:
            new["languages"] = _languages(edit.languages)
        if "disability" in edit.given:
            new["disability"] = _clean(edit.disability)
        if "union_member" in edit.given:
            new["union_member"] = edit.union_member
        if "industry" in edit.given:
            new["industry"] = _clean(edit.industry)
        changed = [
            name
            for name in EDITABLE_FIELDS
            if (name == "phone" and edit.phone_changed) or (name in new and new[name] != getattr(self, name))
        ]
        if not changed:
            return []
        values = {name: new[name] for name in changed if name != "phone"}
        return self._record(
            *[
                MemberUpdated(
                    member_id=self.member_id,
                    changed=changed,
                    phone_changed=edit.phone_changed,
                    updated_by=updated_by,
                    **values,
                )
            ]
        )

    def add_skill(self, skill: str, updated_by: str) -> list[EventPayload]:
        """A skill the member earned (a completed training course) joins their skills, as an edit of
        them (member-updated); a skill they have already changes nothing."""
        if not skill.strip():
            raise MemberRuleViolation("技能不能为空", "skills")
        return self.edit(MemberEdit(given=frozenset({"skills"}), skills=(*self.skills, skill)), updated_by)

    def relocate(self, relocation: Relocation, recorded_by: str, today: date) -> list[EventPayload]:
        self._ensure_active()
        city = relocation.current_city.strip()
        if not city:
            raise MemberRuleViolation("务工地不能为空", "current_city")
        if relocation.moved_on > today:
            raise MemberRuleViolation("迁移日期不能晚于今天", "moved_on", "moved-on-in-future")
        if relocation.moved_on < EARLIEST_MOVE:
            raise MemberRuleViolation("迁移日期无效", "moved_on", "moved-on-too-early")
        if self.last_moved_on is not None and relocation.moved_on < self.last_moved_on:
            raise MemberRuleViolation(
                f"迁移日期早于上一次迁移（{self.last_moved_on.isoformat()}）", "moved_on", "moved-on-before-last-move"
            )
        employer = _clean(relocation.employer)
        industry = _clean(relocation.industry) if relocation.industry is not None else self.industry
        if (city, employer, industry) == (self.current_city, self.employer, self.industry):
            raise MemberRuleViolation("新的务工地、工作单位和行业与当前相同", "current_city", "no-change")
        return self._record(
            *[
                MemberRelocated(
                    member_id=self.member_id,
                    moved_on=relocation.moved_on,
                    current_city=city,
                    employer=employer,
                    industry=industry,
                    previous_city=self.current_city,
                    previous_employer=self.employer,
                    previous_industry=self.industry,
                    recorded_by=recorded_by,
                )
            ]
        )

    def deregister(self, reason: DeregistrationReason, note: str | None, deregistered_by: str) -> list[EventPayload]:
        self._ensure_active()
        return self._record(
            *[
                MemberDeregistered(
                    member_id=self.member_id, reason=reason, note=_note(note), deregistered_by=deregistered_by
                )
            ]
        )

    def record_contact(
        self, channel: ContactChannel, contacted_at: datetime, note: str | None, recorded_by: str, now: datetime
    ) -> list[EventPayload]:
        """Any contact finds a lost member again, also one recorded late (a contact is a contact)."""
        self._ensure_active()
        if contacted_at > now + CLOCK_SKEW:
            raise MemberRuleViolation("联系时间不能晚于当前时间", "contacted_at", "contacted-at-in-future")
        events: list[EventPayload] = [
            MemberContacted(
                member_id=self.member_id,
                channel=channel,
                contacted_at=contacted_at,
                note=_note(note),
                recorded_by=recorded_by,
            )
        ]
        if self.contact_status == "lost":
            events.append(MemberContactRestored(member_id=self.member_id, contacted_at=contacted_at, channel=channel))
        return self._record(*events)

    def mark_lost(self, now: datetime, quiet_period: timedelta, registered_at: datetime) -> list[EventPayload]:
        """Lost once nobody has reached an active member for longer than the quiet period, counted from
        the last contact or the registration (itself a meeting), whichever is later. A lost member is not
        marked again until a contact restores them."""
        if not self.registered or self.status != "active" or self.contact_status == "lost":
            return []
        last = max(self.last_contact_at, registered_at) if self.last_contact_at else registered_at
        if last >= now - quiet_period:
            return []
        return self._record(
            *[
                MemberContactLost(
                    member_id=self.member_id, last_contact_at=last, quiet_days=quiet_period.days, detected_at=now
                )
            ]
        )
