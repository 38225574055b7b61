"""jobs.events: the published payloads. No ID or phone number ever appears here: contacts' phones are
kept encrypted apart, under the contact_id the events carry.

Money is integer fen; places are 12-digit division codes. The v1 shapes of employer-registered and
posting-opened (a city as text, wages in yuan) stay published and readable: stored v1 events are
read as v2 through the upcasters at the bottom.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from kite_common.events import EventPayload, EventRegistry
from pydantic import BaseModel, ConfigDict

registry = EventRegistry("jobs")


@registry.register
class EmployerRegistered(EventPayload):
    """v1, no longer written: read as v2 (see `_employer_v1_to_v2`)."""

    event_name = "employer-registered"

    employer_id: uuid.UUID
    name: str
    unified_social_credit_code: str | None = None
    city: str
    area_division_code: str
    contact_name: str | None = None
    registered_by: str


class EmployerContact(BaseModel):
    """A contact person of an employer; the phone is stored encrypted apart, under contact_id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: uuid.UUID
    name: str
    role: str | None = None


@registry.register
class EmployerRegisteredV2(EventPayload):
    event_name = "employer-registered"
    event_version = 2

    employer_id: uuid.UUID
    name: str
    unified_social_credit_code: str | None = None  # GB 32100, checked; None only on upcast v1 events
    industry: str | None = None
    hiring_division_code: str  # where the employer hires (12 digits)
    area_division_code: str  # the jurisdiction that keeps the employer (12 digits)
    contacts: list[EmployerContact] = []
    registered_by: str


@registry.register
class EmployerVerified(EventPayload):
    """An HR station (人社驿站/劳务工作站) checked the employer."""

    event_name = "employer-verified"

    employer_id: uuid.UUID
    verified_by: str
    note: str | None = None


@registry.register
class PostingOpened(EventPayload):
    """v1, no longer written: read as v2 (see `_posting_v1_to_v2`)."""

    event_name = "posting-opened"

    posting_id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    city: str
    skills_required: list[str]
    headcount: int
    wage_min: int  # yuan per month
    wage_max: int
    area_division_code: str
    opened_by: str


@registry.register
class PostingOpenedV2(EventPayload):
    event_name = "posting-opened"
    event_version = 2

    posting_id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    trades: list[str] = []  # 工种, e.g. 钢筋工
    skills_required: list[str]
    headcount: int
    wage_min_fen: int  # per month
    wage_max_fen: int
    place_division_code: str  # where the work is (12 digits)
    place_label: str | None = None  # how people call the place; shown only, never compared
    housing: bool = False  # 包住
    meals: bool = False  # 包吃
    age_min: int | None = None
    age_max: int | None = None
    certificates_required: list[str] = []
    opens_on: date | None = None  # None only on upcast v1 events
    closes_on: date | None = None
    area_division_code: str  # the jurisdiction that keeps the posting: the employer's
    opened_by: str


@registry.register
class PostingClosed(EventPayload):
    event_name = "posting-closed"

    posting_id: uuid.UUID
    reason: str | None = None
    closed_by: str


@registry.register
class SeekerRegistered(EventPayload):
    """求职登记: what a member looking for work wants and offers, recorded by employment staff. A later
    one replaces the earlier one whole."""

    event_name = "seeker-registered"

    member_id: uuid.UUID
    origin_division_code: str  # the member's home (jurisdiction), copied from the roster at the time
    desired_division_code: str  # where they want to work (12 digits)
    willing_to_move: bool = False  # also outside that city
    expected_wage_fen: int  # per month
    certificates: list[str] = []
    available_from: date
    recorded_by: str


class ScorePart(BaseModel):
    """One part of a match's score, so staff can say why someone was recommended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    part: str  # skills, place, wage, availability
    points: float
    max_points: float
    detail: str  # in Chinese, for people


@registry.register
class JobMatched(EventPayload):
    event_name = "job-matched"

    posting_id: uuid.UUID
    member_id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    city: str  # the posting's place as people call it (its label, else its division code)
    matched_skills: list[str]
    score: float  # the match's points over 100, 0 < score <= 1
    member_origin_division_code: str
    matched_by: str
    place_division_code: str | None = None
    priority: int | None = None  # household priority tier, 1 first (see domain/priority.py)
    score_parts: list[ScorePart] = []


@registry.register
class ApplicationSubmitted(EventPayload):
    """A member applies to a posting (often a match staff followed up); on the posting's stream."""

    event_name = "application-submitted"

    posting_id: uuid.UUID
    member_id: uuid.UUID
    employer_id: uuid.UUID
    member_origin_division_code: str
    from_match: bool = False
    submitted_by: str


@registry.register
class ApplicationDeclined(EventPayload):
    event_name = "application-declined"

    posting_id: uuid.UUID
    member_id: uuid.UUID
    reason: str
    declined_by: str


@registry.register
class ApplicationHired(EventPayload):
    """The posting's side of a placement: one more position filled."""

    event_name = "application-hired"

    posting_id: uuid.UUID
    member_id: uuid.UUID
    placement_id: uuid.UUID
    filled_count: int


@registry.register
class MemberPlaced(EventPayload):
    """A member started work through a posting (就业安置): the placement's own stream starts here."""

    event_name = "member-placed"

    placement_id: uuid.UUID
    posting_id: uuid.UUID
    employer_id: uuid.UUID
    member_id: uuid.UUID
    member_origin_division_code: str
    area_division_code: str  # the jurisdiction that keeps the posting
    place_division_code: str
    title: str
    start_date: date
    wage_fen: int  # per month
    placed_by: str


@registry.register
class FollowUpDue(EventPayload):
    """A retention follow-up (稳岗回访) fell due: the HR station of the member's home should call."""

    event_name = "placement-follow-up-due"

    placement_id: uuid.UUID
    member_id: uuid.UUID
    month: int  # 1, 3 or 6 months after the start
    due_on: date
    member_origin_division_code: str


class FollowUpProblem(StrEnum):
    """The kind of problem a retention follow-up found; any of them opens a casework case."""

    WAGE_UNPAID = "wage_unpaid"  # 欠薪（工资未按时足额发放）
    INJURY = "injury"  # 工伤
    CONTRACT_DISPUTE = "contract_dispute"  # 劳动合同纠纷
    OTHER = "other"  # 其他

    @property
    def label(self) -> str:
        return {"wage_unpaid": "欠薪", "injury": "工伤", "contract_dispute": "劳动合同纠纷", "other": "其他问题"}[
            self.value
        ]


@registry.register
class FollowUpRecorded(EventPayload):
    """A retention follow-up (稳岗回访). With `problem_kind`, the member reported a problem that casework
    takes in as a case (channel 其他系统转来, one case per placement and month), naming the employer;
    the member, employer and work place are carried for that (absent on events recorded before)."""

    event_name = "placement-follow-up-recorded"

    placement_id: uuid.UUID
    month: int
    followed_up_on: date
    still_employed: bool
    wage_paid_on_time: bool | None = None  # None when no longer employed
    problems: str | None = None
    recorded_by: str
    problem_kind: FollowUpProblem | None = None
    member_id: uuid.UUID | None = None
    member_origin_division_code: str | None = None
    employer_id: uuid.UUID | None = None
    posting_id: uuid.UUID | None = None
    place_division_code: str | None = None


@registry.register
class PlacementEnded(EventPayload):
    """The member left the job (离职)."""

    event_name = "placement-ended"

    placement_id: uuid.UUID
    left_on: date
    reason: str | None = None
    recorded_by: str


@registry.register
class CourseOpened(EventPayload):
    """A skills-training course (技能培训, e.g. 钢筋工, 砌筑工, 育婴师)."""

    event_name = "course-opened"

    course_id: uuid.UUID
    title: str
    trade: str  # the skill a completion adds
    provider: str
    place_division_code: str
    starts_on: date
    ends_on: date
    capacity: int
    subsidy_fen: int  # per trainee
    certificate: str | None = None  # the certificate a completion earns
    area_division_code: str  # the jurisdiction that keeps the course
    opened_by: str


@registry.register
class CourseEnrolled(EventPayload):
    event_name = "course-enrolled"

    course_id: uuid.UUID
    member_id: uuid.UUID
    member_origin_division_code: str
    enrolled_by: str


@registry.register
class TrainingCompleted(EventPayload):
    """A member completed a course: `skill` (the course's trade) is theirs now, roster may add it to the
    member's skills, and `certificate` (when the course gives one) is earned."""

    event_name = "training-completed"

    course_id: uuid.UUID
    member_id: uuid.UUID
    member_origin_division_code: str
    skill: str
    certificate: str | None = None
    completed_on: date
    recorded_by: str


@registry.register
class FairOrganised(EventPayload):
    """A job fair (专场招聘), at a place on a day or online."""

    event_name = "fair-organised"

    fair_id: uuid.UUID
    title: str
    organisers: list[str]
    held_on: date
    online: bool = False
    place_division_code: str | None = None  # None only for an online fair
    area_division_code: str  # the jurisdiction that keeps the fair
    organised_by: str


@registry.register
class FairEmployerJoined(EventPayload):
    """An employer takes part with these postings (a later joining of the same employer adds postings)."""

    event_name = "fair-employer-joined"

    fair_id: uuid.UUID
    employer_id: uuid.UUID
    posting_ids: list[uuid.UUID]
    joined_by: str


@registry.register
class FairRegistered(EventPayload):
    event_name = "fair-registered"

    fair_id: uuid.UUID
    member_id: uuid.UUID
    member_origin_division_code: str
    invited: bool = False  # invited by staff (邀约) rather than signed up
    registered_by: str


@registry.register
class FairCheckedIn(EventPayload):
    event_name = "fair-checked-in"

    fair_id: uuid.UUID
    member_id: uuid.UUID
    checked_in_by: str


@registry.register
class FairOfferMade(EventPayload):
    """After an interview at the fair an employer offers a member one of its postings there."""

    event_name = "fair-offer-made"

    fair_id: uuid.UUID
    member_id: uuid.UUID
    posting_id: uuid.UUID
    employer_id: uuid.UUID
    recorded_by: str


@registry.register
class VentureRegistered(EventPayload):
    """A returned member's business at home (返乡创业项目)."""

    event_name = "venture-registered"

    venture_id: uuid.UUID
    member_id: uuid.UUID  # the returned entrepreneur
    name: str
    industry: str | None = None
    place_division_code: str  # where the business is (inside the keeping jurisdiction)
    started_on: date
    investment_fen: int
    jobs_created: int
    registered_by: str


@registry.register
class VentureSupported(EventPayload):
    """Support given to a venture: a loan, a subsidy, a site, training or other help."""

    event_name = "venture-supported"

    venture_id: uuid.UUID
    kind: str  # loan, subsidy, site, training, other
    amount_fen: int  # 0 for support that is not money
    given_on: date
    note: str | None = None
    recorded_by: str


@registry.register
class VentureJobsReported(EventPayload):
    """The jobs a venture provides now (the latest report replaces the earlier figure)."""

    event_name = "venture-jobs-reported"

    venture_id: uuid.UUID
    jobs_created: int
    investment_fen: int
    reported_on: date
    recorded_by: str


@registry.register
class RecallCampaignOpened(EventPayload):
    """A talent-recall campaign (人才回引): the skills the home county wants back."""

    event_name = "recall-campaign-opened"

    campaign_id: uuid.UUID
    title: str
    skills_wanted: list[str]
    area_division_code: str
    opened_by: str


@registry.register
class RecallOutcomeRecorded(EventPayload):
    event_name = "recall-outcome-recorded"

    campaign_id: uuid.UUID
    member_id: uuid.UUID
    member_origin_division_code: str
    outcome: str  # contacted, interested, returned, declined
    recorded_by: str


def _employer_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    employer_id = uuid.UUID(str(data["employer_id"]))
    contact = data.get("contact_name")
    return {
        "employer_id": str(employer_id),
        "name": data["name"],
        "unified_social_credit_code": data.get("unified_social_credit_code"),
        "industry": None,
        "hiring_division_code": data["area_division_code"],
        "area_division_code": data["area_division_code"],
        # a deterministic id, so every replay gives the same one
        "contacts": [{"contact_id": str(uuid.uuid5(employer_id, "contact-1")), "name": contact}] if contact else [],
        "registered_by": data["registered_by"],
    }


def _posting_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "posting_id": data["posting_id"],
        "employer_id": data["employer_id"],
        "title": data["title"],
        "skills_required": data["skills_required"],
        "headcount": data["headcount"],
        "wage_min_fen": int(data["wage_min"]) * 100,
        "wage_max_fen": int(data["wage_max"]) * 100,
        "place_division_code": data["area_division_code"],
        "place_label": data["city"],
        "area_division_code": data["area_division_code"],
        "opened_by": data["opened_by"],
    }


registry.register_upcaster(
    registry.type_name(EmployerRegistered), registry.type_name(EmployerRegisteredV2), _employer_v1_to_v2
)
registry.register_upcaster(registry.type_name(PostingOpened), registry.type_name(PostingOpenedV2), _posting_v1_to_v2)
