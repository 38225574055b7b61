"""casework.events: the published payloads. No ID or phone number ever appears here."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.events import EventPayload, EventRegistry

from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.intake import Channel
from kite_casework.domain.lifecycle import CloseReason, Outcome, Satisfaction
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
    # Intake (added compatibly; absent in cases opened before channels were recorded):
    channel: Channel | None = None
    source_system: str | None = None  # another government system the case came from, e.g. 12345
    external_reference: str | None = None  # that system's own reference; (source, reference) names one case
    work_division_code: str | None = None  # where the member works (out-station branch), who also sees it
    office_id: uuid.UUID | None = None  # the named office that took the case (服务站, 驻外服务站…), roster's id


@registry.register
class CaseAccepted(EventPayload):
    """首问责任制: `accepted_by` owns the case from now on."""

    event_name = "case-accepted"

    case_id: uuid.UUID
    accepted_by: str
    accepted_at: datetime


@registry.register
class CaseProgressNoted(EventPayload):
    """办理进展: the owner wrote down what was done (personal numbers masked). The first note moves an
    accepted (or reopened) case to 办理中."""

    event_name = "case-progress-noted"

    case_id: uuid.UUID
    note: str
    noted_by: str
    noted_at: datetime


@registry.register
class CaseResolved(EventPayload):
    """已办结: the owner says how it ended and what was done (personal numbers masked); the SLA clock
    stops and the case waits for its follow-up (回访)."""

    event_name = "case-resolved"

    case_id: uuid.UUID
    outcome: Outcome
    summary: str
    resolved_by: str
    resolved_at: datetime


@registry.register
class CaseFollowUpRecorded(EventPayload):
    """回访: whether the member was reached and, when reached, how satisfied they are."""

    event_name = "case-follow-up-recorded"

    case_id: uuid.UUID
    reached: bool
    satisfaction: Satisfaction | None = None
    comment: str = ""
    recorded_by: str
    recorded_at: datetime
    attempt: int  # the how-manieth follow-up of this resolution


@registry.register
class CaseClosed(EventPayload):
    """已结案: after a satisfied follow-up, or by the owner once the member proved unreachable."""

    event_name = "case-closed"

    case_id: uuid.UUID
    reason: CloseReason
    closed_by: str
    closed_at: datetime


@registry.register
class CaseReopened(EventPayload):
    """回访不满意: the case goes back to its owner with a new deadline (its tier's duration from now)."""

    event_name = "case-reopened"

    case_id: uuid.UUID
    owner: str
    deadline: datetime
    reopened_by: str  # who recorded the unsatisfied follow-up
    reopened_at: datetime


@registry.register
class CaseTransferRequested(EventPayload):
    """转办: the owner hands the case to `to`; until `to` accepts, the owner keeps it."""

    event_name = "case-transfer-requested"

    case_id: uuid.UUID
    requested_by: str
    to: str
    reason: str
    requested_at: datetime


@registry.register
class CaseTransferAccepted(EventPayload):
    """The receiver took the case: `accepted_by` owns it from now on."""

    event_name = "case-transfer-accepted"

    case_id: uuid.UUID
    previous_owner: str
    accepted_by: str
    accepted_at: datetime


@registry.register
class CaseTransferDeclined(EventPayload):
    """The receiver declined; the case stays with its owner."""

    event_name = "case-transfer-declined"

    case_id: uuid.UUID
    declined_by: str
    reason: str
    declined_at: datetime


@registry.register
class CaseSuspended(EventPayload):
    """暂停办理 (waiting for the member, for a court): the SLA clock stops."""

    event_name = "case-suspended"

    case_id: uuid.UUID
    reason: str
    suspended_by: str
    suspended_at: datetime


@registry.register
class CaseResumed(EventPayload):
    """恢复办理: the clock runs again; `deadline` is the old one moved later by the time suspended."""

    event_name = "case-resumed"

    case_id: uuid.UUID
    resumed_by: str
    resumed_at: datetime
    deadline: datetime
