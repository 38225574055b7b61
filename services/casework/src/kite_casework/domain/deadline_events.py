"""casework.events of 限时办结 and 四级联动: the deadline worker's warning and breach, and escalation.
Registered in casework's one registry (imported by the case aggregate)."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.events import EventPayload

from kite_casework.domain.escalation import AdminLevel
from kite_casework.domain.events import registry
from kite_casework.domain.sla import SlaTier


@registry.register
class CaseSlaWarning(EventPayload):
    """The case is near its deadline (by default 80 % of its time has passed): emitted once per case
    and deadline, also when the worker comes to it late."""

    event_name = "case-sla-warning"

    case_id: uuid.UUID
    deadline: datetime
    warn_at: datetime
    sla_tier: SlaTier
    detected_at: datetime


@registry.register
class CaseSlaBreached(EventPayload):
    """The deadline passed with the case unresolved (超期): emitted once per case and deadline. A
    `case-escalated` follows in the same write when a level above has an office."""

    event_name = "case-sla-breached"

    case_id: uuid.UUID
    deadline: datetime
    sla_tier: SlaTier
    level: AdminLevel  # the level the case was at when it ran late
    detected_at: datetime


@registry.register
class CaseEscalated(EventPayload):
    """四级联动: the case moved up to `level`; the office `office_id` of area `division_code` is told and
    supervises it from now on, and the case gets `deadline` (the tier's time again, from now).
    `manual` is a supervisor's escalation by hand (with `escalated_by` and `reason`); otherwise the
    deadline worker escalated a breach (`escalated_by` is "system")."""

    event_name = "case-escalated"

    case_id: uuid.UUID
    from_level: AdminLevel
    level: AdminLevel
    division_code: str
    office_id: uuid.UUID
    office_name: str
    reason: str
    manual: bool
    escalated_by: str
    escalated_at: datetime
    deadline: datetime
