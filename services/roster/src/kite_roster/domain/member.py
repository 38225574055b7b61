"""The member aggregate: pure decisions, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kite_common.events import EventPayload

from kite_roster.domain.identity import birth_date_of, gender_of, normalise_id_number
from kite_roster.domain.member_events import Gender, MemberRegistered


class MemberRuleViolation(ValueError):
    """A request the domain refuses; the message is for people (Chinese)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def stream_id(member_id: uuid.UUID) -> str:
    return f"member-{member_id}"


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


@dataclass
class Member:
    member_id: uuid.UUID
    registered: bool = False

    @classmethod
    def replay(cls, member_id: uuid.UUID, events: list[EventPayload]) -> Member:
        member = cls(member_id)
        for event in events:
            member.apply(event)
        return member

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, MemberRegistered):
            self.registered = True

    def register(self, reg: Registration, registered_by: str) -> list[EventPayload]:
        if self.registered:
            raise MemberRuleViolation("该人员已登记")
        try:
            id_number = normalise_id_number(reg.id_number)
        except ValueError as exc:
            raise MemberRuleViolation(str(exc), "id_number") from exc
        derived = gender_of(id_number)
        if reg.gender is not None and reg.gender != derived:
            raise MemberRuleViolation("性别与身份证号不符", "gender")
        skills = sorted({s.strip() for s in reg.skills if s.strip()})
        return [
            MemberRegistered(
                member_id=self.member_id,
                name=reg.name.strip(),
                gender=derived,
                birth_year=birth_date_of(id_number).year,
                origin_division_code=reg.origin_division_code,
                current_city=reg.current_city.strip(),
                employer=(reg.employer or "").strip() or None,
                is_party_member=reg.is_party_member,
                skills=skills,
                registered_by=registered_by,
            )
        ]
