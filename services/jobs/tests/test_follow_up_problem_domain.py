"""A follow-up that reports a problem says what kind, and carries what casework needs to take it in as
a case (the member, their home, the employer, the posting, the work place): without I/O."""

from __future__ import annotations

import uuid
from datetime import date

from kite_jobs.domain.events import FollowUpProblem, FollowUpRecorded

from .test_placement_domain import START, A, placement


def test_a_problem_follow_up_names_its_kind_member_employer_and_work_place():
    pl = placement()
    (event,) = pl.record_follow_up(
        1, START, True, False, "工资拖欠两个月", "station", date(2026, 3, 1), FollowUpProblem.WAGE_UNPAID
    )
    assert isinstance(event, FollowUpRecorded)
    assert (event.problem_kind, event.member_id, event.member_origin_division_code) == (
        FollowUpProblem.WAGE_UNPAID,
        A,
        "522631101001",
    )
    assert (event.employer_id, event.posting_id, event.place_division_code) == (
        uuid.UUID(int=7),
        uuid.UUID(int=100),
        "330106001001",
    )
    (quiet,) = placement().record_follow_up(3, START, True, True, None, "station", date(2026, 5, 1))
    assert isinstance(quiet, FollowUpRecorded) and quiet.problem_kind is None
