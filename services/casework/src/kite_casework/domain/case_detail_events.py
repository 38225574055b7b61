"""casework.events about a case's details: the department referrals (部门转交), the money, and the
employer of a labour case. Registered on casework's one registry; amounts are integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from kite_common.events import EventPayload

from kite_casework.domain.events import registry
from kite_casework.domain.money import MoneyKind
from kite_casework.domain.proxy_service import ProxyMatter


@registry.register
class CaseReferred(EventPayload):
    """The owner asked a department (`department` is a code of domain.departments) a question, to be
    answered by `department_deadline`; the owner keeps the case."""

    event_name = "case-referred"

    case_id: uuid.UUID
    referral_id: uuid.UUID
    department: str
    question: str
    department_deadline: datetime
    referred_by: str
    referred_at: datetime


@registry.register
class CaseReferralAnswered(EventPayload):
    """The department's reply, given by `answered_by` (a person of the department) and recorded by
    `recorded_by`; `late` when it came after the department's deadline."""

    event_name = "case-referral-answered"

    case_id: uuid.UUID
    referral_id: uuid.UUID
    reply: str
    answered_by: str
    recorded_by: str
    answered_at: datetime
    late: bool


@registry.register
class CaseReferralWithdrawn(EventPayload):
    """The owner took an unanswered referral back, saying why."""

    event_name = "case-referral-withdrawn"

    case_id: uuid.UUID
    referral_id: uuid.UUID
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


@registry.register
class CaseReferralOverdue(EventPayload):
    """The department's deadline passed with the referral unanswered (noticed by the referral-deadline
    watch at `noticed_at`); once per referral and deadline. The referral stays open: a late answer is
    still recorded, marked late."""

    event_name = "case-referral-overdue"

    case_id: uuid.UUID
    referral_id: uuid.UUID
    department: str
    department_deadline: datetime
    noticed_at: datetime


@registry.register
class CaseAmountClaimed(EventPayload):
    """诉求金额 (e.g. wages owed), in fen; a later one replaces the earlier figure."""

    event_name = "case-amount-claimed"

    case_id: uuid.UUID
    amount_fen: int
    claimed_by: str
    claimed_at: datetime


@registry.register
class CaseMoneyRecorded(EventPayload):
    """One entry of money for the member, in fen: a recovery (追回, often several partial ones), relief
    paid (救助金) or funds raised (筹集资金), on `on` (the day it happened), with a note."""

    event_name = "case-money-recorded"

    case_id: uuid.UUID
    entry_id: uuid.UUID
    kind: MoneyKind
    amount_fen: int
    on: date
    note: str
    recorded_by: str
    recorded_at: datetime


@registry.register
class CaseMoneyCorrected(EventPayload):
    """更正: the money entry `corrects` should have been `amount_fen` (0: reversed, 冲销) instead of
    `replaces_fen`, the figure it had until now; `entry_id` names this correction. The entry itself
    is never changed: totals count it at its latest corrected figure."""

    event_name = "case-money-corrected"

    case_id: uuid.UUID
    entry_id: uuid.UUID
    corrects: uuid.UUID
    kind: MoneyKind
    amount_fen: int
    replaces_fen: int
    reason: str
    corrected_by: str
    corrected_at: datetime


@registry.register
class CaseProxyServiceRecorded(EventPayload):
    """代办: the office of area `office_division_code` handled `matter` on the member's behalf on
    `done_on` (personal numbers in the note masked); recorded by `recorded_by`."""

    event_name = "case-proxy-service-recorded"

    case_id: uuid.UUID
    service_id: uuid.UUID
    matter: ProxyMatter
    done_on: date
    note: str
    office_division_code: str
    recorded_by: str
    recorded_at: datetime
    office_id: uuid.UUID | None = None  # the named office that did it (服务站, 驻外服务站…), roster's id


@registry.register
class CaseEmployerNamed(EventPayload):
    """The employer of a labour case: a jobs employer id, or its name and unified social credit code
    (checked per GB 32100); and the posting or placement the case arose from, if any. A later one
    replaces the earlier."""

    event_name = "case-employer-named"

    case_id: uuid.UUID
    employer_id: uuid.UUID | None = None
    employer_name: str | None = None
    employer_credit_code: str | None = None
    posting_id: uuid.UUID | None = None
    placement_id: uuid.UUID | None = None
    named_by: str
    named_at: datetime
