"""A problem reported at a jobs retention follow-up, as the intake request casework opens: pure rules."""

from __future__ import annotations

import uuid
from datetime import date

from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.follow_up_referral import FollowUpProblem, case_request
from kite_casework.domain.intake import Channel
from kite_casework.domain.sla import Urgency

PLACEMENT, MEMBER, EMPLOYER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def problem(kind: str, **more: object) -> FollowUpProblem:
    fields: dict = {
        "placement_id": PLACEMENT,
        "month": 3,
        "followed_up_on": date(2026, 5, 2),
        "kind": kind,
        "member_id": MEMBER,
        "still_employed": False,
        "problems": "受伤后被辞退",
        "employer_id": EMPLOYER,
        "place_division_code": "330106001001",
    }
    return FollowUpProblem(**(fields | more))


def test_a_labour_problem_is_a_referred_case_naming_the_employer_one_per_placement_and_month():
    request = case_request(problem("injury"))
    assert (request.category, request.urgency, request.channel) == (
        CaseCategory.WORK_INJURY,
        Urgency.HIGH,
        Channel.SYSTEM_REFERRAL,
    )
    assert request.external == ("jobs", f"placement-{PLACEMENT}/follow-up-3")
    assert request.employer is not None and request.employer.employer_id == EMPLOYER
    assert request.employer.placement_id == PLACEMENT and request.work_division_code == "330106001001"
    assert request.description == "稳岗回访（到岗后第3个月，2026-05-02，已离岗）反映工伤：受伤后被辞退"
    assert case_request(problem("wage_unpaid")).category == CaseCategory.WAGE_ARREARS
    assert case_request(problem("contract_dispute")).category == CaseCategory.LABOUR_DISPUTE


def test_another_problem_names_no_employer_and_an_unknown_kind_is_taken_in_as_other():
    for kind in ("other", "a-kind-jobs-added-later"):
        request = case_request(problem(kind, problems=None))
        assert (request.category, request.employer) == (CaseCategory.OTHER, None)
        assert request.description.endswith("反映其他问题")
    # a month and placement make the reference: another month is another case
    assert case_request(problem("injury", month=6)).external != case_request(problem("injury")).external
