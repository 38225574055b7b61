"""The case after acceptance (pure, no I/O): progress, resolution, follow-up (回访), closing,
reopening, hand-over (转办), suspension — every transition and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kite_casework.domain import events as ev
from kite_casework.domain.case import (
    Case,
    CaseIsSuspended,
    CaseNotAccepted,
    CaseNotOpened,
    CaseNotSuspended,
    CaseRequest,
    CaseRuleViolation,
    CaseStatus,
    CaseStatusConflict,
    FollowUpRequired,
    NoPendingTransfer,
    NotCaseOwner,
    NotTransferReceiver,
)
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.lifecycle import CloseReason, Outcome, Satisfaction
from kite_casework.domain.sla import Urgency
from kite_common.domain import Conflict
from kite_common.ids import new_id

NOW = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
ORIGIN = "522631101001"
OWNER = "wang"


def opened() -> Case:
    case = Case(new_id())
    case.open(CaseRequest(new_id(), CaseCategory.WAGE_ARREARS, Urgency.NORMAL, "被拖欠工资"), ORIGIN, "desk", NOW)
    return case  # tier: 一周


def accepted() -> Case:
    case = opened()
    case.accept(OWNER, NOW)
    return case


def resolved() -> Case:
    case = accepted()
    case.note_progress(OWNER, "已联系用人单位", NOW)
    case.resolve(OWNER, Outcome.RESOLVED, "工资已全额发放", NOW + timedelta(days=1))
    return case


def unreached(case: Case, times: int) -> None:
    for _ in range(times):
        case.record_follow_up("desk", False, None, "电话无人接听", NOW)


# -- progress --------------------------------------------------------------------------------------


def test_the_first_progress_note_moves_an_accepted_case_to_in_progress_and_later_ones_keep_it():
    case = accepted()
    [event] = case.note_progress(OWNER, "已联系用人单位", NOW)
    assert event.payload == ev.CaseProgressNoted(
        case_id=case.case_id, note="已联系用人单位", noted_by=OWNER, noted_at=NOW
    )
    assert event.time == NOW
    assert case.status == CaseStatus.IN_PROGRESS and case.status.label == "办理中" and case.status.unresolved
    case.note_progress(OWNER, "劳动监察已立案", NOW)
    assert case.status == CaseStatus.IN_PROGRESS


def test_progress_notes_are_masked_and_not_blank():
    case = accepted()
    [event] = case.note_progress(OWNER, "求助人电话13812345678", NOW)
    assert event.payload.note == "求助人电话138****5678"  # type: ignore[attr-defined]
    with pytest.raises(CaseRuleViolation) as refused:
        case.note_progress(OWNER, "  ", NOW)
    assert refused.value.field == "note"


def test_only_the_owner_notes_progress_and_only_on_an_accepted_case():
    with pytest.raises(CaseNotAccepted):
        opened().note_progress(OWNER, "x", NOW)
    with pytest.raises(NotCaseOwner) as refused:
        accepted().note_progress("li", "x", NOW)
    assert refused.value.extensions["accepted_by"] == OWNER and OWNER in str(refused.value)
    with pytest.raises(CaseNotOpened):
        Case(new_id()).note_progress(OWNER, "x", NOW)


# -- resolution ------------------------------------------------------------------------------------


def test_the_owner_resolves_with_an_outcome_and_what_was_done():
    case = accepted()
    case.note_progress(OWNER, "协调中", NOW)
    [event] = case.resolve(OWNER, Outcome.PARTLY_RESOLVED, "追回工资8000元，身份证522631199001010011", NOW)
    resolved_event = event.payload
    assert isinstance(resolved_event, ev.CaseResolved)
    assert resolved_event.outcome == Outcome.PARTLY_RESOLVED and Outcome.PARTLY_RESOLVED.label == "部分解决"
    assert resolved_event.summary == "追回工资8000元，身份证522631********0011"
    assert case.status == CaseStatus.RESOLVED and not case.status.unresolved


def test_a_case_can_be_resolved_straight_after_acceptance_but_not_twice_nor_by_another():
    case = accepted()
    with pytest.raises(NotCaseOwner):
        case.resolve("li", Outcome.RESOLVED, "x", NOW)
    case.resolve(OWNER, Outcome.RESOLVED, "当场开具证明", NOW)
    with pytest.raises(CaseStatusConflict) as refused:
        case.resolve(OWNER, Outcome.RESOLVED, "x", NOW)
    assert refused.value.extensions["case_status"] == "resolved" and "已办结" in str(refused.value)
    with pytest.raises(CaseStatusConflict):
        case.note_progress(OWNER, "x", NOW)
    with pytest.raises(CaseRuleViolation):
        accepted().resolve(OWNER, Outcome.RESOLVED, " ", NOW)


# -- follow-up and closing -------------------------------------------------------------------------


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.NEUTRAL])
def test_a_satisfied_or_neutral_follow_up_closes_the_case(satisfaction):
    case = resolved()
    recorded, closed = case.record_follow_up("desk", True, satisfaction, "工资已到账", NOW)
    assert recorded.payload == ev.CaseFollowUpRecorded(
        case_id=case.case_id,
        reached=True,
        satisfaction=satisfaction,
        comment="工资已到账",
        recorded_by="desk",
        recorded_at=NOW,
        attempt=1,
    )
    assert closed.payload == ev.CaseClosed(
        case_id=case.case_id, reason=CloseReason.FOLLOW_UP_SATISFIED, closed_by="desk", closed_at=NOW
    )
    assert case.status == CaseStatus.CLOSED and case.status.label == "已结案"


def test_an_unsatisfied_follow_up_reopens_the_case_to_its_owner_with_a_new_deadline():
    case = resolved()
    later = NOW + timedelta(days=3)
    _, reopened = case.record_follow_up("desk", True, Satisfaction.UNSATISFIED, "只发了一半", later)
    assert reopened.payload == ev.CaseReopened(
        case_id=case.case_id, owner=OWNER, deadline=later + timedelta(days=7), reopened_by="desk", reopened_at=later
    )
    assert case.status == CaseStatus.REOPENED and case.status.unresolved and case.deadline == later + timedelta(days=7)
    case.note_progress(OWNER, "再次协调", later)
    assert case.status == CaseStatus.IN_PROGRESS
    case.resolve(OWNER, Outcome.RESOLVED, "余款已付", later)
    assert case.follow_up_attempts == 0  # a new resolution, a new round of follow-ups


def test_a_follow_up_needs_a_satisfaction_exactly_when_the_member_was_reached():
    with pytest.raises(CaseRuleViolation) as refused:
        resolved().record_follow_up("desk", True, None, "", NOW)
    assert refused.value.field == "satisfaction"
    with pytest.raises(CaseRuleViolation):
        resolved().record_follow_up("desk", False, Satisfaction.SATISFIED, "", NOW)


def test_only_a_resolved_case_is_followed_up():
    with pytest.raises(CaseStatusConflict):
        accepted().record_follow_up("desk", True, Satisfaction.SATISFIED, "", NOW)
    with pytest.raises(CaseNotAccepted):
        opened().record_follow_up("desk", True, Satisfaction.SATISFIED, "", NOW)


def test_unreached_follow_ups_count_attempts_and_after_enough_the_owner_closes_as_unreachable():
    case = resolved()
    unreached(case, 2)
    assert case.follow_up_attempts == 2 and case.status == CaseStatus.RESOLVED
    with pytest.raises(FollowUpRequired) as refused:
        case.close_unreachable(OWNER, 3, NOW)
    assert refused.value.extensions == {"follow_up_attempts": 2, "required_attempts": 3}
    assert "未经回访不能结案" in str(refused.value)
    [event] = case.record_follow_up("desk", False, None, "", NOW)
    assert event.payload.attempt == 3  # type: ignore[attr-defined]
    with pytest.raises(NotCaseOwner):
        case.close_unreachable("desk", 3, NOW)
    [closed] = case.close_unreachable(OWNER, 3, NOW)
    assert closed.payload == ev.CaseClosed(
        case_id=case.case_id, reason=CloseReason.UNREACHABLE, closed_by=OWNER, closed_at=NOW
    )
    assert CloseReason.UNREACHABLE.label == "无法联系"
    with pytest.raises(CaseStatusConflict):
        case.close_unreachable(OWNER, 3, NOW)


def test_a_case_is_never_closed_without_follow_up():
    with pytest.raises(FollowUpRequired):
        resolved().close_unreachable(OWNER, 1, NOW)
    for case in (accepted(), opened()):
        with pytest.raises(Conflict) as refused:
            case.close_unreachable(OWNER, 1, NOW)
        assert refused.value.code == "case-not-resolved" and "尚未办结" in str(refused.value)


# -- hand-over -------------------------------------------------------------------------------------


def test_a_transfer_keeps_the_owner_until_the_receiver_accepts():
    case = accepted()
    [requested] = case.request_transfer(OWNER, "li", "涉及工伤认定，转劳动保障专干", NOW)
    assert requested.payload == ev.CaseTransferRequested(
        case_id=case.case_id, requested_by=OWNER, to="li", reason="涉及工伤认定，转劳动保障专干", requested_at=NOW
    )
    assert case.accepted_by == OWNER and case.pending_transfer_to == "li"
    case.note_progress(OWNER, "转办期间继续跟进", NOW)  # the owner still works on it
    with pytest.raises(NotCaseOwner):
        case.note_progress("li", "x", NOW)
    [taken] = case.accept_transfer("li", NOW)
    assert taken.payload == ev.CaseTransferAccepted(
        case_id=case.case_id, previous_owner=OWNER, accepted_by="li", accepted_at=NOW
    )
    assert case.accepted_by == "li" and case.pending_transfer_to is None
    with pytest.raises(NotCaseOwner):
        case.note_progress(OWNER, "x", NOW)
    case.note_progress("li", "已接手", NOW)


def test_a_declined_transfer_leaves_the_case_with_its_owner():
    case = accepted()
    case.request_transfer(OWNER, "li", "换人办理", NOW)
    with pytest.raises(CaseRuleViolation):
        case.decline_transfer("li", " ", NOW)
    [declined] = case.decline_transfer("li", "不属于我的业务范围", NOW)
    assert declined.payload == ev.CaseTransferDeclined(
        case_id=case.case_id, declined_by="li", reason="不属于我的业务范围", declined_at=NOW
    )
    assert case.accepted_by == OWNER and case.pending_transfer_to is None
    with pytest.raises(NoPendingTransfer):
        case.accept_transfer("li", NOW)


def test_only_the_owner_transfers_and_only_the_named_receiver_answers():
    case = accepted()
    with pytest.raises(NotCaseOwner):
        case.request_transfer("li", "zhao", "x", NOW)
    with pytest.raises(CaseRuleViolation) as to_self:
        case.request_transfer(OWNER, OWNER, "x", NOW)
    assert to_self.value.code == "transfer-to-self" and to_self.value.field == "to"
    with pytest.raises(NoPendingTransfer):
        case.accept_transfer("li", NOW)
    case.request_transfer(OWNER, "li", "换人办理", NOW)
    for answer in (lambda: case.accept_transfer("zhao", NOW), lambda: case.decline_transfer("zhao", "x", NOW)):
        with pytest.raises(NotTransferReceiver) as refused:
            answer()
        assert refused.value.extensions["transfer_to"] == "li"
    with pytest.raises(CaseNotAccepted):
        opened().request_transfer(OWNER, "li", "x", NOW)


def test_resolving_lets_a_pending_transfer_lapse():
    case = accepted()
    case.request_transfer(OWNER, "li", "换人办理", NOW)
    case.resolve(OWNER, Outcome.RESOLVED, "已办好", NOW)
    with pytest.raises(NoPendingTransfer):
        case.accept_transfer("li", NOW)


# -- suspension ------------------------------------------------------------------------------------


def test_suspension_stops_the_clock_and_resuming_moves_the_deadline_by_the_time_suspended():
    case = accepted()
    first_deadline = case.deadline
    assert first_deadline == NOW + timedelta(days=7)
    [suspended] = case.suspend(OWNER, "等待法院判决", NOW + timedelta(days=1))
    assert suspended.payload == ev.CaseSuspended(
        case_id=case.case_id, reason="等待法院判决", suspended_by=OWNER, suspended_at=NOW + timedelta(days=1)
    )
    assert case.suspended
    [resumed] = case.resume(OWNER, NOW + timedelta(days=11))
    assert resumed.payload == ev.CaseResumed(
        case_id=case.case_id,
        resumed_by=OWNER,
        resumed_at=NOW + timedelta(days=11),
        deadline=first_deadline + timedelta(days=10),
    )
    assert not case.suspended and case.deadline == NOW + timedelta(days=17)


def test_a_suspended_case_takes_no_progress_and_no_resolution_until_resumed():
    case = accepted()
    case.suspend(OWNER, "等待求助人补充材料", NOW)
    with pytest.raises(CaseIsSuspended):
        case.note_progress(OWNER, "x", NOW)
    with pytest.raises(CaseIsSuspended):
        case.resolve(OWNER, Outcome.RESOLVED, "x", NOW)
    with pytest.raises(Conflict) as twice:
        case.suspend(OWNER, "x", NOW)
    assert twice.value.code == "case-already-suspended"
    case.resume(OWNER, NOW)
    case.note_progress(OWNER, "材料已补齐", NOW)


def test_only_the_owner_suspends_and_resumes_and_only_a_suspended_case_resumes():
    case = accepted()
    with pytest.raises(CaseNotSuspended):
        case.resume(OWNER, NOW)
    with pytest.raises(NotCaseOwner):
        case.suspend("li", "x", NOW)
    with pytest.raises(CaseRuleViolation):
        case.suspend(OWNER, "", NOW)
    case.suspend(OWNER, "等待", NOW)
    with pytest.raises(NotCaseOwner):
        case.resume("li", NOW)
    with pytest.raises(CaseStatusConflict):
        resolved().suspend(OWNER, "x", NOW)


# -- replay ----------------------------------------------------------------------------------------


def test_replaying_the_stored_events_gives_the_same_case():
    case = accepted()
    case.request_transfer(OWNER, "li", "换人", NOW)
    case.accept_transfer("li", NOW)
    case.suspend("li", "等待", NOW)
    case.resume("li", NOW + timedelta(hours=5))
    case.resolve("li", Outcome.RESOLVED, "已办好", NOW)
    unreached(case, 2)
    replayed = Case.replay(case.case_id, [e.payload for e in case.pending])
    assert replayed == case
    assert (replayed.accepted_by, replayed.status, replayed.follow_up_attempts) == ("li", CaseStatus.RESOLVED, 2)
    assert replayed.deadline == NOW + timedelta(days=7, hours=5)
