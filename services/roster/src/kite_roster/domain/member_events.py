"""Member events on roster.events. No ID or phone number ever appears here."""

from __future__ import annotations

import uuid
from typing import Literal

from kite_common.events import EventPayload

from kite_roster.domain.registry import registry

Gender = Literal["male", "female"]


@registry.register
class MemberRegistered(EventPayload):
    event_name = "member-registered"

    member_id: uuid.UUID
    name: str
    gender: Gender
    birth_year: int
    origin_division_code: str
    current_city: str
    employer: str | None = None
    is_party_member: bool = False
    skills: list[str] = []
    registered_by: str
