"""casework.events: the published payloads. No ID or phone number ever appears here."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.events import EventPayload, EventRegistry

from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import SlaTier, Urgency

registry = EventRegistry("casework")


@registry.register
class CaseOpened(EventPayload):
    """A help request was taken. `origin_division_code` is the member's home place, copied from the
    member directory so consumers can filter by jurisdiction; `deadline` is when 限时办结 runs out."""

    event_name = "case-opened"

    case_id: uuid.UUID
    member_id: uuid.UUID
    origin_division_code: str
    category: CaseCategory
    urgency: Urgency
    description: str
    sla_tier: SlaTier
    deadline: datetime
    opened_by: str


@registry.register
class CaseAccepted(EventPayload):
    """首问责任制: `accepted_by` owns the case from now on."""

    event_name = "case-accepted"

    case_id: uuid.UUID
    accepted_by: str
    accepted_at: datetime
