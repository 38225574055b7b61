"""The jobs domain without I/O: employers (credit code, contacts, verification), postings (rules,
closing, never matching one member twice), job-seekers, and the v1 events read as v2."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from kite_common.domain import Conflict
from kite_jobs.domain.employer import ContactDetails, Employer, EmployerDetails
from kite_jobs.domain.events import (
    EmployerRegisteredV2,
    EmployerVerified,
    JobMatched,
    PostingClosed,
    PostingOpenedV2,
    registry,
)
from kite_jobs.domain.matching import Candidate
from kite_jobs.domain.posting import Posting, PostingDetails
from kite_jobs.domain.rules import JobsRuleViolation
from kite_jobs.domain.seeker import Seeker, SeekerDetails

TODAY = date(2026, 3, 1)
USCC = "91330106MA2CFQ0B1E"  # check character E per GB 32100
HANGZHOU = "330106001001"


def employer_details(**overrides: object) -> EmployerDetails:
    values: dict[str, object] = {
        "name": "杭州某电子厂",
        "unified_social_credit_code": USCC,
        "industry": "电子制造",
        "hiring_division_code": HANGZHOU,
        "area_division_code": "522631000000",
        "contacts": (ContactDetails(name="王经理", phone="13912345678", role="人事"),),
    }
    values.update(overrides)
    return EmployerDetails(**values)  # type: ignore[arg-type]


def registered_employer(**overrides: object) -> tuple[Employer, list]:
    employer = Employer(uuid.UUID(int=7))
    sealed = employer.register(employer_details(**overrides), "staff", [uuid.UUID(int=70)])
    return employer, sealed


def test_an_employer_is_registered_with_its_code_and_contacts_but_no_phone_in_the_event():
    employer, sealed = registered_employer(unified_social_credit_code=" 91330106ma2cfq0b1e ")
    (event,) = employer.pending
    payload = event.payload
    assert isinstance(payload, EmployerRegisteredV2)
    assert payload.unified_social_credit_code == USCC
    assert [(c.contact_id, c.name, c.role) for c in payload.contacts] == [(uuid.UUID(int=70), "王经理", "人事")]
    assert "13912345678" not in payload.model_dump_json()
    assert [(s.contact_id, s.phone) for s in sealed] == [(uuid.UUID(int=70), "13912345678")]


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"unified_social_credit_code": "91330106MA2CFQ0B1K"}, "unified_social_credit_code", "校验码"),
        ({"unified_social_credit_code": "91330106MA2CFQ0B1"}, "unified_social_credit_code", "18位"),
        ({"unified_social_credit_code": "91330106MA2CFQOB1E"}, "unified_social_credit_code", "不允许的字符"),
        ({"hiring_division_code": "3301"}, "hiring_division_code", "区划代码"),
        ({"area_division_code": "00000000000"}, "area_division_code", "区划代码"),
        ({"name": "  "}, "name", "单位名称"),
        ({"name": "某厂13912345678"}, "name", "手机号"),
        ({"contacts": (ContactDetails(name="王", phone="12345"),)}, "contacts.0.phone", "联系电话"),
        ({"contacts": (ContactDetails(name=" ", phone="13912345678"),)}, "contacts.0.name", "联系人"),
    ],
)
def test_a_bad_employer_is_refused_with_the_field_and_a_chinese_reason(override, field, words):
    employer = Employer(uuid.UUID(int=7))
    contacts = override.get("contacts", employer_details().contacts)
    with pytest.raises(JobsRuleViolation) as refused:
        employer.register(employer_details(**override), "staff", [uuid.uuid4() for _ in contacts])
    assert refused.value.field == field and words in refused.value.message
    assert not employer.pending


def test_verifying_twice_records_one_verification():
    employer, _ = registered_employer()
    first = employer.verify("hr-station-1", "实地核验")
    assert [type(e) for e in first] == [EmployerVerified] and employer.verified
    assert employer.verify("hr-station-2", None) == []


def posting_details(**overrides: object) -> PostingDetails:
    values: dict[str, object] = {
        "employer_id": uuid.UUID(int=7),
        "title": "电工",
        "skills_required": ("电工", "焊工", " 电工 "),
        "headcount": 3,
        "wage_min_fen": 600_000,
        "wage_max_fen": 900_000,
        "place_division_code": HANGZHOU,
        "opens_on": TODAY,
        "closes_on": date(2026, 6, 30),
        "certificates_required": ("电工证",),
        "age_min": 18,
        "age_max": 50,
    }
    values.update(overrides)
    return PostingDetails(**values)  # type: ignore[arg-type]


def opened_posting(**overrides: object) -> Posting:
    posting = Posting(uuid.UUID(int=1))
    posting.open(posting_details(**overrides), "522631000000", "staff", TODAY)
    return posting


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"wage_min_fen": 1_000_000}, "wage_min_fen", "wage-range-reversed"),
        ({"headcount": 0}, "headcount", "headcount-zero"),
        ({"skills_required": ("  ",)}, "skills_required", None),
        ({"title": " "}, "title", None),
        ({"place_division_code": "杭州"}, "place_division_code", None),
        ({"age_min": 40, "age_max": 30}, "age_min", None),
        ({"age_max": 80}, "age_max", None),
        ({"closes_on": date(2026, 2, 1)}, "closes_on", None),
        ({"opens_on": date(2026, 1, 1), "closes_on": date(2026, 2, 1)}, "closes_on", None),
    ],
)
def test_a_bad_posting_is_refused_and_records_nothing(override, field, code):
    posting = Posting(uuid.UUID(int=1))
    with pytest.raises(JobsRuleViolation) as refused:
        posting.open(posting_details(**override), "522631000000", "staff", TODAY)
    assert refused.value.field == field
    if code:
        assert refused.value.code == code
    assert not posting.pending and not posting.opened


def test_a_posting_keeps_normalised_skills_and_its_keeper():
    posting = opened_posting()
    (event,) = posting.pending
    payload = event.payload
    assert isinstance(payload, PostingOpenedV2)
    assert payload.skills_required == ["焊工", "电工"] and payload.area_division_code == "522631000000"


def seeker(n: int, **overrides: object) -> Candidate:
    values: dict[str, object] = {
        "member_id": uuid.UUID(int=n),
        "origin_division_code": "522631101001",
        "birth_year": 1990,
        "skills": ("电工",),
        "desired_division_code": "330110000000",
        "willing_to_move": False,
        "expected_wage_fen": 500_000,
        "certificates": ("电工证",),
        "available_from": TODAY,
    }
    values.update(overrides)
    return Candidate(**values)  # type: ignore[arg-type]


def test_a_member_is_matched_to_a_posting_once_and_a_closed_posting_matches_nobody():
    posting = opened_posting()
    first = posting.match([seeker(1), seeker(2, skills=("厨师",))], "staff", TODAY, 10)
    assert [e.member_id for e in first] == [uuid.UUID(int=1)]
    assert posting.match([seeker(1), seeker(3)], "staff", TODAY, 10)[0].member_id == uuid.UUID(int=3)
    assert posting.match([seeker(1), seeker(3)], "staff", TODAY, 10) == []
    assert all(isinstance(e, JobMatched) for e in first)
    assert [type(e) for e in posting.close("staff", "已招满")] == [PostingClosed]
    assert posting.close("staff", None) == []
    with pytest.raises(Conflict):
        posting.match([seeker(4)], "staff", TODAY, 10)


def test_a_posting_past_its_closing_date_matches_nobody():
    posting = opened_posting()
    with pytest.raises(Conflict):
        posting.match([seeker(4)], "staff", date(2026, 7, 1), 10)


def test_a_seeker_registration_is_checked_and_an_unchanged_one_records_nothing():
    s = Seeker(uuid.UUID(int=5))
    details = SeekerDetails("330110000000", 500_000, TODAY, certificates=["电工证", "电工证"])
    (event,) = s.register(details, "522631101001", "staff", TODAY)
    assert event.certificates == ["电工证"]
    assert s.register(details, "522631101001", "other-staff", TODAY) == []
    with pytest.raises(JobsRuleViolation) as refused:
        Seeker(uuid.UUID(int=6)).register(SeekerDetails("33", 1, TODAY), "522631101001", "staff", TODAY)
    assert refused.value.field == "desired_division_code"
    with pytest.raises(JobsRuleViolation) as refused:
        far = SeekerDetails("330110000000", 1, date(2028, 1, 1))
        Seeker(uuid.UUID(int=6)).register(far, "522631101001", "staff", TODAY)
    assert refused.value.field == "available_from"


def test_v1_events_are_read_as_v2_with_fen_and_codes():
    employer = registry.parse(
        "kite.jobs.employer-registered.v1",
        {
            "employer_id": str(uuid.UUID(int=7)),
            "name": "老单位",
            "unified_social_credit_code": None,
            "city": "杭州",
            "area_division_code": HANGZHOU,
            "contact_name": "李经理",
            "registered_by": "staff",
        },
    )
    assert isinstance(employer, EmployerRegisteredV2)
    assert employer.hiring_division_code == HANGZHOU and [c.name for c in employer.contacts] == ["李经理"]
    again = registry.parse("kite.jobs.employer-registered.v1", employer.model_dump(mode="json") | {"city": "x"})
    assert isinstance(again, EmployerRegisteredV2)
    posting = registry.parse(
        "kite.jobs.posting-opened.v1",
        {
            "posting_id": str(uuid.UUID(int=1)),
            "employer_id": str(uuid.UUID(int=7)),
            "title": "电工",
            "city": "杭州",
            "skills_required": ["电工"],
            "headcount": 2,
            "wage_min": 6000,
            "wage_max": 9000,
            "area_division_code": HANGZHOU,
            "opened_by": "staff",
        },
    )
    assert isinstance(posting, PostingOpenedV2)
    assert (posting.wage_min_fen, posting.wage_max_fen, posting.place_label) == (600_000, 900_000, "杭州")
