"""A problem reported at a jobs retention follow-up (稳岗回访), taken in as a case: pure rules.

jobs publishes `placement-follow-up-recorded` with a `problem_kind`; casework opens one case for the
member through its ordinary intake, channel 其他系统转来, with the source system "jobs" and a reference
naming the placement and the follow-up's month — so however often the event comes, there is one case.
A labour problem names the employer (and the placement) on the case; another problem does not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from kite_casework.domain.case import CaseRequest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.employer import LABOUR_CATEGORIES, EmployerLink
from kite_casework.domain.intake import Channel
from kite_casework.domain.sla import Urgency

SOURCE_SYSTEM = "jobs"

# jobs' problem kind → (category, urgency, what the description calls it)
_KINDS: dict[str, tuple[CaseCategory, Urgency, str]] = {
    "wage_unpaid": (CaseCategory.WAGE_ARREARS, Urgency.HIGH, "欠薪（工资未按时足额发放）"),
    "injury": (CaseCategory.WORK_INJURY, Urgency.HIGH, "工伤"),
    "contract_dispute": (CaseCategory.LABOUR_DISPUTE, Urgency.NORMAL, "劳动合同纠纷"),
    "other": (CaseCategory.OTHER, Urgency.NORMAL, "其他问题"),
}


@dataclass(frozen=True)
class FollowUpProblem:
    placement_id: uuid.UUID
    month: int
    followed_up_on: date
    kind: str
    member_id: uuid.UUID
    still_employed: bool
    problems: str | None = None
    employer_id: uuid.UUID | None = None
    posting_id: uuid.UUID | None = None
    place_division_code: str | None = None


def reference(problem: FollowUpProblem) -> str:
    return f"placement-{problem.placement_id}/follow-up-{problem.month}"


def case_request(problem: FollowUpProblem) -> CaseRequest:
    """The intake request for the problem; an unknown kind (a newer jobs) is taken in as 其他."""
    category, urgency, label = _KINDS.get(problem.kind, _KINDS["other"])
    stay = "仍在岗" if problem.still_employed else "已离岗"
    said = f"：{problem.problems}" if problem.problems else ""
    description = (
        f"稳岗回访（到岗后第{problem.month}个月，{problem.followed_up_on.isoformat()}，{stay}）反映{label}{said}"
    )
    employer = (
        EmployerLink(employer_id=problem.employer_id, posting_id=problem.posting_id, placement_id=problem.placement_id)
        if problem.employer_id is not None and category in LABOUR_CATEGORIES
        else None
    )
    return CaseRequest(
        member_id=problem.member_id,
        category=category,
        urgency=urgency,
        description=description,
        channel=Channel.SYSTEM_REFERRAL,
        external=(SOURCE_SYSTEM, reference(problem)),
        work_division_code=problem.place_division_code,
        employer=employer,
    )
