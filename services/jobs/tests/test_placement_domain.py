"""Applications, placements and retention without I/O: who may be hired, the filled count, follow-ups
at 1, 3 and 6 months (never before the start), leaving."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from kite_common.domain import Conflict, NotFound
from kite_jobs.domain.events import FollowUpDue, MemberPlaced
from kite_jobs.domain.placement import Placement, add_months
from kite_jobs.domain.posting import Posting, PostingDetails
from kite_jobs.domain.rules import JobsRuleViolation

TODAY = date(2026, 3, 1)
START = date(2026, 1, 31)
A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def posting(headcount: int = 1) -> Posting:
    p = Posting(uuid.UUID(int=100))
    p.open(
        PostingDetails(
            employer_id=uuid.UUID(int=7),
            title="电工",
            skills_required=("电工",),
            headcount=headcount,
            wage_min_fen=600_000,
            wage_max_fen=900_000,
            place_division_code="330106001001",
            opens_on=TODAY,
            closes_on=date(2026, 6, 30),
        ),
        "522631000000",
        "staff",
        TODAY,
    )
    return p


def test_hiring_fills_the_posting_and_a_full_or_closed_posting_hires_nobody():
    p = posting(headcount=1)
    for m in (A, B, C):
        p.submit_application(m, "522631101001", "staff", TODAY)
    with pytest.raises(Conflict):
        p.submit_application(A, "522631101001", "staff", TODAY)
    hired = p.hire(A, uuid.UUID(int=50), TODAY, 700_000, TODAY)
    assert hired.filled_count == 1 and p.filled == 1
    with pytest.raises(Conflict) as full:
        p.hire(B, uuid.UUID(int=51), TODAY, 700_000, TODAY)
    assert full.value.code == "posting-filled"
    with pytest.raises(Conflict) as decided:
        p.decline(A, "不合适", "staff")
    assert decided.value.code == "application-decided"
    p.close("staff", None)
    with pytest.raises(Conflict) as closed:
        p.hire(C, uuid.UUID(int=52), TODAY, 700_000, TODAY)
    assert closed.value.code == "posting-closed"


def test_decline_needs_a_reason_and_an_application():
    p = posting()
    with pytest.raises(NotFound):
        p.decline(A, "不合适", "staff")
    p.submit_application(A, "522631101001", "staff", TODAY)
    with pytest.raises(JobsRuleViolation) as refused:
        p.decline(A, "  ", "staff")
    assert refused.value.field == "reason"
    assert [e.reason for e in p.decline(A, "年龄不符", "staff")] == ["年龄不符"]  # type: ignore[attr-defined]


def test_hire_refuses_a_wage_of_zero():
    p = posting()
    p.submit_application(A, "522631101001", "staff", TODAY)
    with pytest.raises(JobsRuleViolation) as refused:
        p.hire(A, uuid.UUID(int=50), TODAY, 0, TODAY)
    assert refused.value.field == "wage_fen"


def placement(start: date = START) -> Placement:
    pl = Placement(uuid.UUID(int=50))
    pl.place(
        MemberPlaced(
            placement_id=pl.placement_id,
            posting_id=uuid.UUID(int=100),
            employer_id=uuid.UUID(int=7),
            member_id=A,
            member_origin_division_code="522631101001",
            area_division_code="522631000000",
            place_division_code="330106001001",
            title="电工",
            start_date=start,
            wage_fen=700_000,
            placed_by="staff",
        )
    )
    return pl


def test_months_are_added_to_the_last_day_when_the_month_is_shorter():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_follow_ups_fall_due_at_1_3_and_6_months_once_each():
    pl = placement()
    assert pl.mark_due(date(2026, 2, 27)) == []
    due = pl.mark_due(date(2026, 2, 28))
    assert [(e.month, e.due_on) for e in due if isinstance(e, FollowUpDue)] == [(1, date(2026, 2, 28))]
    assert pl.mark_due(date(2026, 3, 1)) == []
    later = pl.mark_due(date(2026, 8, 1))
    assert [e.month for e in later if isinstance(e, FollowUpDue)] == [3, 6]


def test_a_follow_up_before_the_start_date_is_refused():
    pl = placement()
    with pytest.raises(JobsRuleViolation) as refused:
        pl.record_follow_up(1, date(2026, 1, 30), True, True, None, "staff", TODAY)
    assert refused.value.field == "followed_up_on" and "到岗日期" in refused.value.message
    assert not [e for e in pl.pending if not isinstance(e.payload, MemberPlaced)]
    pl.record_follow_up(1, date(2026, 2, 28), True, True, None, "staff", TODAY)
    with pytest.raises(Conflict):
        pl.record_follow_up(1, date(2026, 2, 28), True, True, None, "staff", TODAY)
    with pytest.raises(JobsRuleViolation):
        pl.record_follow_up(2, date(2026, 2, 28), True, True, None, "staff", TODAY)


def test_leaving_is_recorded_once_not_before_the_start_and_ends_the_schedule():
    pl = placement()
    with pytest.raises(JobsRuleViolation):
        pl.end(date(2026, 1, 1), None, "staff", TODAY)
    pl.end(date(2026, 2, 15), "回乡", "staff", TODAY)
    with pytest.raises(Conflict):
        pl.end(date(2026, 2, 16), None, "staff", TODAY)
    assert pl.mark_due(date(2026, 12, 1)) == []
