"""The case aggregate (诉求): pure decisions, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import ClassVar
from zoneinfo import ZoneInfo

from kite_common.domain import Aggregate, Conflict, Forbidden, NotFound, RuleViolation
from kite_common.events import EventPayload, NewEvent

from kite_casework.domain import case_detail_events as dev
from kite_casework.domain import deadline_events as dlev
from kite_casework.domain import events as ev
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.departments import department
from kite_casework.domain.employer import LABOUR_CATEGORIES, EmployerLink
from kite_casework.domain.escalation import AdminLevel, EscalationOffice
from kite_casework.domain.events import CaseAccepted, CaseOpened
from kite_casework.domain.intake import Channel
from kite_casework.domain.lifecycle import CloseReason, Outcome, Satisfaction
from kite_casework.domain.money import MoneyKind, amount_in_fen, corrected_amount
from kite_casework.domain.proxy_service import ProxyMatter
from kite_casework.domain.redaction import redact_personal_numbers
from kite_casework.domain.sla import SlaTier, Urgency, deadline, sla_tier


class CaseStatus(StrEnum):
    OPEN = "open"  # 待受理: nobody owns it yet
    ACCEPTED = "accepted"  # 已受理: the first responder owns it
    IN_PROGRESS = "in_progress"  # 办理中: the owner has noted progress
    RESOLVED = "resolved"  # 已办结: the owner says it is done; waits for its follow-up (回访)
    REOPENED = "reopened"  # 重新办理: the member was not satisfied at follow-up; back with its owner
    CLOSED = "closed"  # 已结案: followed up and closed; nothing more happens to it

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def unresolved(self) -> bool:
        """Still on the SLA clock (unless suspended): an unresolved case past its deadline is overdue."""
        return self in UNRESOLVED


_STATUS_LABELS = {
    CaseStatus.OPEN: "待受理",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.IN_PROGRESS: "办理中",
    CaseStatus.RESOLVED: "已办结",
    CaseStatus.REOPENED: "重新办理",
    CaseStatus.CLOSED: "已结案",
}
UNRESOLVED = frozenset({CaseStatus.OPEN, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED})
# Owned and being worked on: progress, resolve, transfer, suspend and resume happen here.
ACTIVE = frozenset({CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED})


class CaseRuleViolation(RuleViolation):
    """A request the domain refuses (422); the message is for people (Chinese)."""

    code = "case-rule"


class CaseNotOpened(NotFound):
    code = "case-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该诉求")


class AlreadyOpened(CaseRuleViolation):
    code = "case-already-opened"

    def __init__(self) -> None:
        super().__init__("该诉求已受理登记")


class AlreadyAccepted(Conflict):
    """首问责任制: a case has one owner (409, naming it in `accepted_by`). `by_you` tells the owner
    trying again from someone else."""

    def __init__(self, owner: str, by_you: bool) -> None:
        super().__init__(
            "该诉求已由您受理" if by_you else f"该诉求已由 {owner} 受理，由其首问负责",
            code="already-accepted-by-you" if by_you else "already-accepted",
            accepted_by=owner,
        )
        self.owner = owner
        self.by_you = by_you


class CaseNotAccepted(Conflict):
    code = "case-not-accepted"

    def __init__(self) -> None:
        super().__init__("该诉求尚未受理，请先受理")


class CaseStatusConflict(Conflict):
    """The case's status does not allow the step (409); `case_status` names the status it is in."""

    code = "case-status"

    def __init__(self, status: CaseStatus, step: str) -> None:
        super().__init__(f"该诉求当前为“{status.label}”，不能{step}", case_status=status.value)


class NotCaseOwner(Forbidden):
    """Only the owner (首问负责人) works on the case (403, naming the owner in `accepted_by`)."""

    code = "not-case-owner"

    def __init__(self, owner: str) -> None:
        super().__init__(f"该诉求由 {owner} 首问负责，只有负责人可以办理", accepted_by=owner)


class CaseIsSuspended(Conflict):
    code = "case-suspended"

    def __init__(self) -> None:
        super().__init__("该诉求已暂停办理，请先恢复办理")


class CaseNotSuspended(Conflict):
    code = "case-not-suspended"

    def __init__(self) -> None:
        super().__init__("该诉求未暂停办理")


class NoPendingTransfer(Conflict):
    code = "no-pending-transfer"

    def __init__(self) -> None:
        super().__init__("该诉求没有待接收的转办")


class NotTransferReceiver(Forbidden):
    code = "not-transfer-receiver"

    def __init__(self, receiver: str) -> None:
        super().__init__(f"该诉求转办给 {receiver}，只有接收人可以接收或拒绝", transfer_to=receiver)


class FollowUpRequired(Conflict):
    """结案 needs a follow-up: a satisfied one closes the case by itself; the owner closes it only
    after `required` follow-ups that did not reach the member (无法联系)."""

    code = "follow-up-required"

    def __init__(self, attempts: int, required: int) -> None:
        super().__init__(
            f"未经回访不能结案：回访满意或基本满意后自动结案；联系不上的，须记录 {required} 次未联系上的回访"
            f"（目前 {attempts} 次）后方可以“无法联系”结案",
            follow_up_attempts=attempts,
            required_attempts=required,
        )


def _text(value: str, field: str, what: str) -> str:
    """Free text for an event: stripped, personal numbers masked, not blank."""
    text = redact_personal_numbers(value.strip())
    if not text:
        raise CaseRuleViolation(f"请填写{what}", code="text-required", field=field)
    return text


_CHINA = ZoneInfo("Asia/Shanghai")


def _not_after_today(day: date, now: datetime, field: str, what: str) -> date:
    """A day something happened: not after today in China (the office's calendar, not UTC's)."""
    if day > now.astimezone(_CHINA).date():
        raise CaseRuleViolation(f"{what}日期不能晚于今天", code="date-in-future", field=field)
    return day


class ReferralOpen(Conflict):
    """办结 waits for every department referral to be answered or withdrawn (409)."""

    code = "referral-open"

    def __init__(self, departments: list[str]) -> None:
        super().__init__(
            f"尚有部门未答复的转交（{'、'.join(departments)}），不能办结：请待部门答复或撤回转交",
            open_referrals=departments,
        )


class ReferralNotFound(NotFound):
    code = "referral-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该转交")


@dataclass(frozen=True)
class CaseRequest:
    member_id: uuid.UUID
    category: CaseCategory
    urgency: Urgency
    description: str
    channel: Channel = Channel.STATION
    external: tuple[str, str] | None = None  # (source system, its reference)
    work_division_code: str | None = None
    claimed_fen: int | None = None
    employer: EmployerLink | None = None
    office_id: uuid.UUID | None = None  # the named office taking the case (服务站, 驻外服务站…)


@dataclass
class _MoneyEntry:
    kind: MoneyKind
    amount_fen: int  # the figure in force: as recorded, or as last corrected


class MoneyEntryNotFound(NotFound):
    code = "money-entry-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该款项记录")


@dataclass
class _Referral:
    department: str
    deadline: datetime
    state: str = "open"  # open, answered, withdrawn
    overdue_for: datetime | None = None  # the deadline whose passing was already recorded


@dataclass
class Case(Aggregate):
    stream_prefix: ClassVar[str] = "case"
    label: ClassVar[str] = "该诉求"
    jurisdiction_attribute: ClassVar[str | None] = "origin_division_code"

    case_id: uuid.UUID
    status: CaseStatus | None = None
    origin_division_code: str | None = None
    accepted_by: str | None = None  # the owner (首问负责人); a transfer accepted changes it
    sla_tier: SlaTier | None = None
    deadline: datetime | None = None
    pending_transfer_to: str | None = None
    suspended_since: datetime | None = None
    follow_up_attempts: int = 0  # follow-ups of the current resolution (all unreached while resolved)
    # Intake, referrals, money and employer (see domain.intake, departments, money, employer):
    member_id: uuid.UUID | None = None
    category: CaseCategory | None = None
    work_division_code: str | None = None
    referrals: dict[uuid.UUID, _Referral] = field(default_factory=dict)
    money_entries: dict[uuid.UUID, _MoneyEntry] = field(default_factory=dict)
    # 限时办结 and 四级联动: the deadline already warned of and the one already breached (each once),
    # the level the case has climbed to and the office supervising it there.
    sla_warned_for: datetime | None = None
    sla_breached_for: datetime | None = None
    level: AdminLevel = AdminLevel.VILLAGE
    supervisor_office_id: uuid.UUID | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.case_id

    @property
    def suspended(self) -> bool:
        return self.suspended_since is not None

    def covered_by(self, jurisdiction: str) -> bool:
        """Whether staff of `jurisdiction` see the case: it covers the home place or the work place."""
        places = (self.origin_division_code, self.work_division_code)
        return any(p is not None and p.startswith(jurisdiction) for p in places)

    def apply(self, event: EventPayload) -> None:
        if self._apply_detail(event):
            return
        if isinstance(event, CaseOpened):
            self.status = CaseStatus.OPEN
            self.origin_division_code = event.origin_division_code
            self.member_id = event.member_id
            self.category = event.category
            self.work_division_code = event.work_division_code
            self.sla_tier = event.sla_tier
            self.deadline = event.deadline
        elif isinstance(event, CaseAccepted):
            self.status = CaseStatus.ACCEPTED
            self.accepted_by = event.accepted_by
        elif isinstance(event, ev.CaseProgressNoted):
            if self.status in (CaseStatus.ACCEPTED, CaseStatus.REOPENED):
                self.status = CaseStatus.IN_PROGRESS
        elif isinstance(event, ev.CaseResolved):
            self.status = CaseStatus.RESOLVED
            self.pending_transfer_to = None
            self.follow_up_attempts = 0
        elif isinstance(event, ev.CaseFollowUpRecorded):
            self.follow_up_attempts = event.attempt
        elif isinstance(event, ev.CaseClosed):
            self.status = CaseStatus.CLOSED
        elif isinstance(event, ev.CaseReopened):
            self.status = CaseStatus.REOPENED
            self.accepted_by = event.owner
            self.deadline = event.deadline
        elif isinstance(event, ev.CaseTransferRequested):
            self.pending_transfer_to = event.to
        elif isinstance(event, ev.CaseTransferAccepted):
            self.accepted_by = event.accepted_by
            self.pending_transfer_to = None
        elif isinstance(event, ev.CaseTransferDeclined):
            self.pending_transfer_to = None
        elif isinstance(event, ev.CaseSuspended):
            self.suspended_since = event.suspended_at
        elif isinstance(event, ev.CaseResumed):
            self.suspended_since = None
            self.deadline = event.deadline
        elif isinstance(event, dlev.CaseSlaWarning):
            self.sla_warned_for = event.deadline
        elif isinstance(event, dlev.CaseSlaBreached):
            self.sla_breached_for = event.deadline
        elif isinstance(event, dlev.CaseEscalated):
            self.level = event.level
            self.supervisor_office_id = event.office_id
            self.deadline = event.deadline

    def open(self, request: CaseRequest, origin_division_code: str, opened_by: str, now: datetime) -> list[NewEvent]:
        """Open the case for a member whose home place is `origin_division_code`; the SLA clock
        starts at `now`, which is also the event's time."""
        if self.status is not None:
            raise AlreadyOpened()
        description = redact_personal_numbers(request.description.strip())
        if not description:
            raise CaseRuleViolation("请填写诉求内容")
        tier = sla_tier(request.category, request.urgency)
        opened = CaseOpened(
            case_id=self.case_id,
            member_id=request.member_id,
            origin_division_code=origin_division_code,
            category=request.category,
            urgency=request.urgency,
            description=description,
            sla_tier=tier,
            deadline=deadline(now, tier),
            opened_by=opened_by,
            channel=request.channel,
            source_system=request.external[0] if request.external else None,
            external_reference=request.external[1] if request.external else None,
            work_division_code=request.work_division_code,
            office_id=request.office_id,
        )
        decided = [NewEvent(opened, time=now)]
        if request.claimed_fen is not None:
            amount = amount_in_fen(request.claimed_fen, "claimed_fen")
            claimed = dev.CaseAmountClaimed(
                case_id=self.case_id, amount_fen=amount, claimed_by=opened_by, claimed_at=now
            )
            decided.append(NewEvent(claimed, time=now))
        if request.employer is not None:
            self._labour_case(request.category)
            decided.append(NewEvent(self._employer_named(request.employer, opened_by, now), time=now))
        return self._record(*decided)

    def accept(self, accepted_by: str, now: datetime) -> list[NewEvent]:
        """首问责任制: the first to accept owns the case; anyone after, the owner included, is refused."""
        if self.status is None:
            raise CaseNotOpened()
        if self.accepted_by is not None:
            raise AlreadyAccepted(self.accepted_by, by_you=self.accepted_by == accepted_by)
        return self._record(
            NewEvent(CaseAccepted(case_id=self.case_id, accepted_by=accepted_by, accepted_at=now), time=now)
        )

    # -- the owner's work --------------------------------------------------------------------------

    def note_progress(self, by: str, note: str, now: datetime) -> list[NewEvent]:
        """办理进展: the owner's note; the first one moves an accepted or reopened case to 办理中."""
        self._worked_on_by(by, "记录办理进展")
        text = _text(note, "note", "办理进展")
        return self._record(
            NewEvent(ev.CaseProgressNoted(case_id=self.case_id, note=text, noted_by=by, noted_at=now), time=now)
        )

    def resolve(self, by: str, outcome: Outcome, summary: str, now: datetime) -> list[NewEvent]:
        """办结: the owner says how it ended and what was done; a pending transfer lapses with it."""
        self._worked_on_by(by, "办结")
        text = _text(summary, "summary", "办理情况")
        still_open = [r.department for r in self.referrals.values() if r.state == "open"]
        if still_open:
            raise ReferralOpen([d.name if (d := department(code)) else code for code in still_open])
        resolved = ev.CaseResolved(case_id=self.case_id, outcome=outcome, summary=text, resolved_by=by, resolved_at=now)
        return self._record(NewEvent(resolved, time=now))

    def suspend(self, by: str, reason: str, now: datetime) -> list[NewEvent]:
        """暂停办理: the SLA clock stops until the owner resumes."""
        self._owned_by(by, "暂停办理")
        if self.suspended:
            raise Conflict("该诉求已暂停办理", code="case-already-suspended")
        text = _text(reason, "reason", "暂停原因")
        suspended = ev.CaseSuspended(case_id=self.case_id, reason=text, suspended_by=by, suspended_at=now)
        return self._record(NewEvent(suspended, time=now))

    def resume(self, by: str, now: datetime) -> list[NewEvent]:
        """恢复办理: the deadline moves later by the time the case was suspended."""
        self._owned_by(by, "恢复办理")
        if self.suspended_since is None:
            raise CaseNotSuspended()
        assert self.deadline is not None
        paused = max(now - self.suspended_since, timedelta(0))
        resumed = ev.CaseResumed(case_id=self.case_id, resumed_by=by, resumed_at=now, deadline=self.deadline + paused)
        return self._record(NewEvent(resumed, time=now))

    # -- hand-over (转办) ---------------------------------------------------------------------------

    def request_transfer(self, by: str, to: str, reason: str, now: datetime) -> list[NewEvent]:
        """The owner names the receiver; the owner keeps the case until the receiver accepts. A new
        request replaces one still pending."""
        self._owned_by(by, "转办")
        receiver = to.strip()
        if not receiver:
            raise CaseRuleViolation("请填写接收人", code="text-required", field="to")
        if receiver == by:
            raise CaseRuleViolation("不能转办给自己", code="transfer-to-self", field="to")
        text = _text(reason, "reason", "转办原因")
        requested = ev.CaseTransferRequested(
            case_id=self.case_id, requested_by=by, to=receiver, reason=text, requested_at=now
        )
        return self._record(NewEvent(requested, time=now))

    def accept_transfer(self, by: str, now: datetime) -> list[NewEvent]:
        """The named receiver takes the case and owns it from now on."""
        self._receiver_is(by)
        assert self.accepted_by is not None
        accepted = ev.CaseTransferAccepted(
            case_id=self.case_id, previous_owner=self.accepted_by, accepted_by=by, accepted_at=now
        )
        return self._record(NewEvent(accepted, time=now))

    def decline_transfer(self, by: str, reason: str, now: datetime) -> list[NewEvent]:
        """The named receiver declines, saying why; the case stays with its owner."""
        self._receiver_is(by)
        text = _text(reason, "reason", "拒绝原因")
        declined = ev.CaseTransferDeclined(case_id=self.case_id, declined_by=by, reason=text, declined_at=now)
        return self._record(NewEvent(declined, time=now))

    # -- follow-up (回访) and closing (结案) ---------------------------------------------------------

    def record_follow_up(
        self, by: str, reached: bool, satisfaction: Satisfaction | None, comment: str, now: datetime
    ) -> list[NewEvent]:
        """回访 of a resolved case. Reached and 满意/基本满意: the case is closed. Reached and 不满意:
        it goes back to its owner with a new deadline (the tier's duration from now). Not reached:
        one attempt more is counted."""
        self._in(frozenset({CaseStatus.RESOLVED}), "回访")
        if reached and satisfaction is None:
            raise CaseRuleViolation("已联系上求助人，请填写满意度", code="satisfaction-required", field="satisfaction")
        if not reached and satisfaction is not None:
            raise CaseRuleViolation(
                "未联系上求助人，不能填写满意度", code="satisfaction-unexpected", field="satisfaction"
            )
        recorded = ev.CaseFollowUpRecorded(
            case_id=self.case_id,
            reached=reached,
            satisfaction=satisfaction,
            comment=redact_personal_numbers(comment.strip()),
            recorded_by=by,
            recorded_at=now,
            attempt=self.follow_up_attempts + 1,
        )
        decided: list[NewEvent] = [NewEvent(recorded, time=now)]
        if satisfaction is not None and satisfaction.closes_the_case:
            closed = ev.CaseClosed(
                case_id=self.case_id, reason=CloseReason.FOLLOW_UP_SATISFIED, closed_by=by, closed_at=now
            )
            decided.append(NewEvent(closed, time=now))
        elif satisfaction is not None:
            assert self.accepted_by is not None and self.sla_tier is not None
            reopened = ev.CaseReopened(
                case_id=self.case_id,
                owner=self.accepted_by,
                deadline=deadline(now, self.sla_tier),
                reopened_by=by,
                reopened_at=now,
            )
            decided.append(NewEvent(reopened, time=now))
        return self._record(*decided)

    def close_unreachable(self, by: str, required_attempts: int, now: datetime) -> list[NewEvent]:
        """结案（无法联系）: only the owner, only for a resolved case whose member was not reached in
        `required_attempts` follow-ups. A case is closed in no other way (a satisfied follow-up closes
        it by itself)."""
        if self.status is CaseStatus.CLOSED:
            raise CaseStatusConflict(self.status, "再次结案")
        if self.status is not CaseStatus.RESOLVED:
            self._opened()
            raise Conflict("该诉求尚未办结，不能结案：请先办结并回访", code="case-not-resolved")
        self._owner_is(by)
        if self.follow_up_attempts < required_attempts:
            raise FollowUpRequired(self.follow_up_attempts, required_attempts)
        closed = ev.CaseClosed(case_id=self.case_id, reason=CloseReason.UNREACHABLE, closed_by=by, closed_at=now)
        return self._record(NewEvent(closed, time=now))

    # -- referral to a department (部门转交): the owner keeps the case -------------------------------

    def refer(
        self, by: str, referral_id: uuid.UUID, department_code: str, question: str, due: datetime, now: datetime
    ) -> list[NewEvent]:
        """The owner asks a department; a department with an unanswered referral is not asked twice."""
        self._owned_by(by, "转交部门")
        known = department(department_code)
        if known is None:
            raise CaseRuleViolation("未知的部门", code="department-unknown", field="department")
        if any(r.department == known.code and r.state == "open" for r in self.referrals.values()):
            raise Conflict(f"已转交{known.name}，尚待其答复", code="referral-pending", department=known.code)
        text = _text(question, "question", "转交事项")
        if due <= now:
            raise CaseRuleViolation("部门答复期限应晚于现在", code="deadline-past", field="deadline")
        referred = dev.CaseReferred(
            case_id=self.case_id,
            referral_id=referral_id,
            department=known.code,
            question=text,
            department_deadline=due,
            referred_by=by,
            referred_at=now,
        )
        return self._record(NewEvent(referred, time=now))

    def watch_referral(self, referral_id: uuid.UUID, now: datetime) -> list[NewEvent]:
        """The referral-deadline watch at `now`: an open referral whose department deadline has
        passed is recorded overdue, once per referral and deadline; anything else decides nothing."""
        referral = self.referrals.get(referral_id)
        if referral is None or referral.state != "open" or now < referral.deadline:
            return []
        if referral.overdue_for == referral.deadline:
            return []
        overdue = dev.CaseReferralOverdue(
            case_id=self.case_id,
            referral_id=referral_id,
            department=referral.department,
            department_deadline=referral.deadline,
            noticed_at=now,
        )
        return self._record(NewEvent(overdue, time=now))

    def answer_referral(
        self, recorded_by: str, referral_id: uuid.UUID, reply: str, answered_by: str, now: datetime
    ) -> list[NewEvent]:
        """The department's reply, recorded by anyone working the case's place; late ones are kept
        and marked late."""
        referral = self._open_referral(referral_id, "答复")
        text = _text(reply, "reply", "答复内容")
        who = _text(answered_by, "answered_by", "答复人")
        answered = dev.CaseReferralAnswered(
            case_id=self.case_id,
            referral_id=referral_id,
            reply=text,
            answered_by=who,
            recorded_by=recorded_by,
            answered_at=now,
            late=now > referral.deadline,
        )
        return self._record(NewEvent(answered, time=now))

    def withdraw_referral(self, by: str, referral_id: uuid.UUID, reason: str, now: datetime) -> list[NewEvent]:
        """The owner takes an unanswered referral back (a department that will not answer)."""
        self._opened()
        self._owner_is(by)
        self._open_referral(referral_id, "撤回")
        text = _text(reason, "reason", "撤回原因")
        withdrawn = dev.CaseReferralWithdrawn(
            case_id=self.case_id, referral_id=referral_id, reason=text, withdrawn_by=by, withdrawn_at=now
        )
        return self._record(NewEvent(withdrawn, time=now))

    # -- money (integer fen) and the employer -------------------------------------------------------

    def claim_amount(self, by: str, amount_fen: int, now: datetime) -> list[NewEvent]:
        """诉求金额: set or revised by whoever may change the case's details."""
        self._details_changed_by(by, "登记诉求金额")
        amount = amount_in_fen(amount_fen, "amount_fen")
        claimed = dev.CaseAmountClaimed(case_id=self.case_id, amount_fen=amount, claimed_by=by, claimed_at=now)
        return self._record(NewEvent(claimed, time=now))

    def record_money(
        self, by: str, entry_id: uuid.UUID, kind: MoneyKind, amount_fen: int, on: date, note: str, now: datetime
    ) -> list[NewEvent]:
        """A recovery, relief paid or funds raised, by the owner of an accepted case (also after
        办结: money often arrives in instalments); not dated after today (China time)."""
        self._in(ACTIVE | {CaseStatus.RESOLVED}, "登记款项")
        self._owner_is(by)
        amount = amount_in_fen(amount_fen, "amount_fen")
        _not_after_today(on, now, "on", "款项")
        text = _text(note, "note", "款项说明")
        recorded = dev.CaseMoneyRecorded(
            case_id=self.case_id,
            entry_id=entry_id,
            kind=kind,
            amount_fen=amount,
            on=on,
            note=text,
            recorded_by=by,
            recorded_at=now,
        )
        return self._record(NewEvent(recorded, time=now))

    def correct_money(
        self, by: str, correction_id: uuid.UUID, entry_id: uuid.UUID, amount_fen: int, reason: str, now: datetime
    ) -> list[NewEvent]:
        """更正 (or 冲销 with 0) a money entry of the case, by its owner, with a reason: a new entry
        that names the old one, never an edit. A reversed entry takes no more corrections."""
        self._opened()
        entry = self.money_entries.get(entry_id)
        if entry is None:
            raise MoneyEntryNotFound()
        self._in(ACTIVE | {CaseStatus.RESOLVED}, "更正款项")
        self._owner_is(by)
        amount = corrected_amount(amount_fen)
        if entry.amount_fen == 0:
            raise Conflict("该款项已冲销，不能再更正", code="money-entry-reversed")
        if amount == entry.amount_fen:
            raise CaseRuleViolation("更正后的金额与现有金额相同", code="correction-unchanged", field="amount_fen")
        text = _text(reason, "reason", "更正原因")
        corrected = dev.CaseMoneyCorrected(
            case_id=self.case_id,
            entry_id=correction_id,
            corrects=entry_id,
            kind=entry.kind,
            amount_fen=amount,
            replaces_fen=entry.amount_fen,
            reason=text,
            corrected_by=by,
            corrected_at=now,
        )
        return self._record(NewEvent(corrected, time=now))

    def record_proxy_service(
        self,
        by: str,
        office_division_code: str,
        service_id: uuid.UUID,
        matter: ProxyMatter,
        done_on: date,
        note: str,
        now: datetime,
        office_id: uuid.UUID | None = None,
    ) -> list[NewEvent]:
        """代办 by an office of the case's places (home or work), on any case not yet closed; dated
        not after today (China time)."""
        self._opened()
        if self.status is CaseStatus.CLOSED:
            raise CaseStatusConflict(CaseStatus.CLOSED, "登记代办")
        _not_after_today(done_on, now, "done_on", "代办")
        text = _text(note, "note", "代办说明")
        recorded = dev.CaseProxyServiceRecorded(
            case_id=self.case_id,
            service_id=service_id,
            matter=matter,
            done_on=done_on,
            note=text,
            office_division_code=office_division_code,
            recorded_by=by,
            recorded_at=now,
            office_id=office_id,
        )
        return self._record(NewEvent(recorded, time=now))

    def name_employer(self, by: str, link: EmployerLink, now: datetime) -> list[NewEvent]:
        """The employer of a labour case (欠薪, 工伤, 劳动争议); a later one replaces the earlier."""
        self._details_changed_by(by, "登记用人单位")
        assert self.category is not None
        self._labour_case(self.category)
        return self._record(NewEvent(self._employer_named(link, by, now), time=now))

    def _employer_named(self, link: EmployerLink, by: str, now: datetime) -> dev.CaseEmployerNamed:
        return dev.CaseEmployerNamed(
            case_id=self.case_id,
            employer_id=link.employer_id,
            employer_name=link.name,
            employer_credit_code=link.credit_code,
            posting_id=link.posting_id,
            placement_id=link.placement_id,
            named_by=by,
            named_at=now,
        )

    @staticmethod
    def _labour_case(category: CaseCategory) -> None:
        if category not in LABOUR_CATEGORIES:
            raise CaseRuleViolation(
                "只有欠薪、工伤、劳动争议类诉求登记用人单位", code="not-a-labour-case", field="employer"
            )

    def _details_changed_by(self, by: str, step: str) -> None:
        """Before acceptance any caseworker of the case's places; after it only the owner; never
        once closed."""
        self._opened()
        if self.status is CaseStatus.CLOSED:
            raise CaseStatusConflict(CaseStatus.CLOSED, step)
        if self.accepted_by is not None:
            self._owner_is(by)

    def _open_referral(self, referral_id: uuid.UUID, step: str) -> _Referral:
        self._opened()
        referral = self.referrals.get(referral_id)
        if referral is None:
            raise ReferralNotFound()
        if referral.state != "open":
            done = "已答复" if referral.state == "answered" else "已撤回"
            raise Conflict(f"该转交{done}，不能再{step}", code="referral-closed", referral_state=referral.state)
        return referral

    def _apply_detail(self, event: EventPayload) -> bool:
        """Folds the referral and money-entry events (the employer changes no decision); True when handled."""
        if isinstance(event, dev.CaseReferred):
            self.referrals[event.referral_id] = _Referral(event.department, event.department_deadline)
        elif isinstance(event, dev.CaseReferralAnswered):
            self.referrals[event.referral_id].state = "answered"
        elif isinstance(event, dev.CaseReferralWithdrawn):
            self.referrals[event.referral_id].state = "withdrawn"
        elif isinstance(event, dev.CaseReferralOverdue):
            self.referrals[event.referral_id].overdue_for = event.department_deadline
        elif isinstance(event, dev.CaseMoneyRecorded):
            self.money_entries[event.entry_id] = _MoneyEntry(event.kind, event.amount_fen)
        elif isinstance(event, dev.CaseMoneyCorrected):
            self.money_entries[event.corrects].amount_fen = event.amount_fen
        else:
            return isinstance(event, dev.CaseAmountClaimed | dev.CaseEmployerNamed | dev.CaseProxyServiceRecorded)
        return True

    # -- 限时办结 and 四级联动 ----------------------------------------------------------------------------

    @property
    def on_the_clock(self) -> bool:
        """Unresolved and not suspended: the deadline runs."""
        return self.status is not None and self.status.unresolved and not self.suspended

    def watch_deadline(self, now: datetime, warn_at: datetime, next_office: EscalationOffice | None) -> list[NewEvent]:
        """The deadline worker's decision at `now`: a warning once `warn_at` has passed, a breach once
        the deadline has passed — each at most once per deadline, whoever asks and however often.
        A breach escalates to `next_office` (the nearest level above with an office), which gives the
        case a new deadline; with no office above, the case stays where it is."""
        if not self.on_the_clock or self.deadline is None:
            return []
        assert self.sla_tier is not None
        decided: list[NewEvent] = []
        if now >= warn_at and self.sla_warned_for != self.deadline:
            warning = dlev.CaseSlaWarning(
                case_id=self.case_id, deadline=self.deadline, warn_at=warn_at, sla_tier=self.sla_tier, detected_at=now
            )
            decided.append(NewEvent(warning, time=now))
        if now >= self.deadline and self.sla_breached_for != self.deadline:
            breached = dlev.CaseSlaBreached(
                case_id=self.case_id, deadline=self.deadline, sla_tier=self.sla_tier, level=self.level, detected_at=now
            )
            decided.append(NewEvent(breached, time=now))
            if next_office is not None:
                decided.append(self._escalation(next_office, "超期未办结，自动上报", "system", False, now))
        return self._record(*decided)

    def escalate(self, by: str, reason: str, office: EscalationOffice | None, now: datetime) -> list[NewEvent]:
        """A supervisor escalates by hand to `office` (the nearest level above with an office)."""
        self._opened()
        assert self.status is not None
        if not self.status.unresolved:
            raise CaseStatusConflict(self.status, "上报督办")
        if self.suspended:
            raise CaseIsSuspended()
        text = _text(reason, "reason", "上报原因")
        if office is None:
            raise Conflict(
                f"该诉求已在{self.level.label}一级，上级没有登记的督办单位，无法再上报",
                code="no-office-above",
                level=self.level.value,
            )
        return self._record(self._escalation(office, text, by, True, now))

    def _escalation(self, office: EscalationOffice, reason: str, by: str, manual: bool, now: datetime) -> NewEvent:
        assert self.sla_tier is not None
        escalated = dlev.CaseEscalated(
            case_id=self.case_id,
            from_level=self.level,
            level=office.level,
            division_code=office.division_code,
            office_id=office.office_id,
            office_name=office.name,
            reason=reason,
            manual=manual,
            escalated_by=by,
            escalated_at=now,
            deadline=deadline(now, self.sla_tier),
        )
        return NewEvent(escalated, time=now)

    # -- who may act, and when ----------------------------------------------------------------------

    def _opened(self) -> None:
        if self.status is None:
            raise CaseNotOpened()

    def _in(self, allowed: frozenset[CaseStatus], step: str) -> None:
        self._opened()
        assert self.status is not None
        if self.status not in allowed:
            if self.status is CaseStatus.OPEN:
                raise CaseNotAccepted()
            raise CaseStatusConflict(self.status, step)

    def _owner_is(self, by: str) -> None:
        if self.accepted_by is None:
            raise CaseNotAccepted()
        if by != self.accepted_by:
            raise NotCaseOwner(self.accepted_by)

    def _owned_by(self, by: str, step: str) -> None:
        """An active case (accepted, in progress, reopened) and `by` is its owner."""
        self._in(ACTIVE, step)
        self._owner_is(by)

    def _worked_on_by(self, by: str, step: str) -> None:
        """As `_owned_by`, and not suspended: a suspended case takes no progress and no resolution."""
        self._owned_by(by, step)
        if self.suspended:
            raise CaseIsSuspended()

    def _receiver_is(self, by: str) -> None:
        self._opened()
        if self.pending_transfer_to is None:
            raise NoPendingTransfer()
        if by != self.pending_transfer_to:
            raise NotTransferReceiver(self.pending_transfer_to)
