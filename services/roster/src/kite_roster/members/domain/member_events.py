"""Member events on roster.events. No ID or phone number ever appears here.

Published fields are never renamed or removed; new fields are optional with a default, so an event
stored under an older schema still parses and consumers of v1 keep working.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from kite_common.events import EventPayload

from kite_roster.shared.event_registry import registry

Gender = Literal["male", "female"]
# 返乡 / 去世 / 迁出 / 其他
DeregistrationReason = Literal["returned-home", "deceased", "moved-away", "other"]
ContactChannel = Literal["phone", "wechat", "visit", "other"]
# The member fields an edit may change, in the order `MemberUpdated.changed` lists them.
EditableField = Literal["name", "phone", "skills", "languages", "disability", "union_member", "industry"]


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
    industry: str | None = None
    # e.g. 普通话, 藏语, 彝语, 苗语
    languages: list[str] = []
    disability: str | None = None
    union_member: bool = False


@registry.register
class MemberUpdated(EventPayload):
    """`changed` names the fields this edit changed; each of those fields (but phone) carries its new
    value, the others are absent (null). A changed phone number is only `phone_changed`: the number
    itself stays in member_pii."""

    event_name = "member-updated"

    member_id: uuid.UUID
    changed: list[EditableField]
    name: str | None = None
    skills: list[str] | None = None
    languages: list[str] | None = None
    disability: str | None = None
    union_member: bool | None = None
    industry: str | None = None
    phone_changed: bool = False
    updated_by: str


@registry.register
class MemberRelocated(EventPayload):
    """The member now works in another city or for another employer (or both), since `moved_on`."""

    event_name = "member-relocated"

    member_id: uuid.UUID
    moved_on: date
    current_city: str
    employer: str | None = None
    industry: str | None = None
    previous_city: str
    previous_employer: str | None = None
    previous_industry: str | None = None
    recorded_by: str


@registry.register
class MemberDeregistered(EventPayload):
    """The member leaves the roster (kept, never deleted); no further changes are accepted."""

    event_name = "member-deregistered"

    member_id: uuid.UUID
    reason: DeregistrationReason
    note: str | None = None
    deregistered_by: str


@registry.register
class MemberContacted(EventPayload):
    event_name = "member-contacted"

    member_id: uuid.UUID
    channel: ContactChannel
    contacted_at: datetime
    note: str | None = None
    recorded_by: str


@registry.register
class MemberContactLost(EventPayload):
    """Nobody has reached the member for longer than the quiet period: they count as lost (失联)."""

    event_name = "member-contact-lost"

    member_id: uuid.UUID
    # The last contact or the registration, whichever is later.
    last_contact_at: datetime
    quiet_days: int
    detected_at: datetime


@registry.register
class MemberContactRestored(EventPayload):
    """A lost member was reached again (always right after the `member-contacted` that found them)."""

    event_name = "member-contact-restored"

    member_id: uuid.UUID
    contacted_at: datetime
    channel: ContactChannel
