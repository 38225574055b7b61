"""The jobs domain without I/O: the matching rule, postings that never match one member twice, employers."""

from __future__ import annotations

import uuid

import pytest
from kite_jobs.domain.employer import Employer, EmployerDetails, normalise_uscc
from kite_jobs.domain.events import EmployerRegistered, JobMatched, PostingOpened
from kite_jobs.domain.matching import Candidate, evaluate, rank, skill_score
from kite_jobs.domain.posting import Posting, PostingDetails
from kite_jobs.domain.rules import JobsRuleViolation

ORIGIN = "522631101001"


def candidate(n: int, city: str = "杭州", skills: tuple[str, ...] = ("电工",), origin: str = ORIGIN) -> Candidate:
    return Candidate(uuid.UUID(int=n), city, skills, origin)


def details(**overrides: object) -> PostingDetails:
    values: dict[str, object] = {
        "employer_id": uuid.UUID(int=99),
        "title": "电工",
        "city": "杭州",
        "skills_required": ("电工", "焊工"),
        "headcount": 3,
        "wage_min": 6000,
        "wage_max": 9000,
        "area_division_code": "330106001001",
    }
    values.update(overrides)
    return PostingDetails(**values)  # type: ignore[arg-type]


def opened_posting(**overrides: object) -> Posting:
    posting = Posting(uuid.UUID(int=1))
    for event in posting.open(details(**overrides), opened_by="staff"):
        posting.apply(event)
    return posting


def test_score_is_the_share_of_required_skills_the_member_has():
    assert skill_score(["电工", "焊工"], ["焊工", "厨师"]) == (("焊工",), 0.5)
    everything = skill_score(["电工", "焊工", "钳工"], ["电工", "焊工", "钳工", "厨师"])
    assert everything == (("焊工", "电工", "钳工"), 1.0)  # matched skills sorted by code point
    assert skill_score(["电工", "焊工", "钳工"], ["电工"]) == (("电工",), 0.3333)


def test_a_member_in_another_city_or_without_a_required_skill_is_no_match():
    assert evaluate("杭州", ["电工"], candidate(1, city="成都")) is None
    assert evaluate("杭州", ["电工"], candidate(2, skills=("厨师",))) is None
    assert evaluate("杭州", ["电工"], candidate(3, skills=())) is None
    match = evaluate("杭州", ["电工"], candidate(4))
    assert match is not None and match.score == 1.0 and match.matched_skills == ("电工",)


def test_rank_puts_best_overlap_first_skips_excluded_and_caps():
    cands = [
        candidate(1, skills=("电工",)),
        candidate(2, skills=("电工", "焊工")),
        candidate(3, skills=("焊工",)),
        candidate(4, city="成都", skills=("电工", "焊工")),
    ]
    ranked = rank("杭州", ["电工", "焊工"], cands)
    assert [m.candidate.member_id.int for m in ranked] == [2, 1, 3]
    without_2 = rank("杭州", ["电工", "焊工"], cands, exclude={uuid.UUID(int=2)})
    assert [m.candidate.member_id.int for m in without_2] == [1, 3]
    assert len(rank("杭州", ["电工", "焊工"], cands, limit=2)) == 2


def test_posting_match_emits_one_event_per_candidate_with_what_the_county_needs():
    posting = opened_posting()
    events = posting.match(
        [candidate(1, skills=("电工", "焊工")), candidate(2, skills=("焊工",))], matched_by="staff", limit=200
    )
    assert all(isinstance(e, JobMatched) for e in events)
    first = events[0]
    assert isinstance(first, JobMatched)
    assert (first.member_id, first.score, first.matched_skills) == (uuid.UUID(int=1), 1.0, ["焊工", "电工"])
    assert (first.employer_id, first.title, first.city) == (uuid.UUID(int=99), "电工", "杭州")
    assert first.member_origin_division_code == ORIGIN
    assert len(events) == 2


def test_a_member_is_never_matched_twice_to_one_posting():
    posting = opened_posting()
    for event in posting.match([candidate(1)], matched_by="staff", limit=200):
        posting.apply(event)
    again = posting.match([candidate(1), candidate(2)], matched_by="staff", limit=200)
    assert [e.member_id for e in again if isinstance(e, JobMatched)] == [uuid.UUID(int=2)]
    replayed = Posting.replay(
        posting.posting_id,
        [
            PostingOpened(
                posting_id=posting.posting_id,
                employer_id=uuid.UUID(int=99),
                title="电工",
                city="杭州",
                skills_required=["电工"],
                headcount=1,
                wage_min=1,
                wage_max=2,
                area_division_code="330106001001",
                opened_by="s",
            ),
            *posting.match([candidate(3)], matched_by="staff", limit=200),
        ],
    )
    assert replayed.match([candidate(3)], matched_by="staff", limit=200) == []


def test_a_posting_that_was_never_opened_cannot_be_matched():
    with pytest.raises(JobsRuleViolation):
        Posting(uuid.UUID(int=5)).match([candidate(1)], matched_by="staff", limit=200)


def test_opening_normalises_skills_and_refuses_bad_terms():
    [opened] = Posting(uuid.UUID(int=1)).open(details(skills_required=(" 焊工", "电工", "焊工", " ")), opened_by="s")
    assert isinstance(opened, PostingOpened) and opened.skills_required == ["焊工", "电工"]
    for overrides, field in [
        ({"wage_min": 9000, "wage_max": 6000}, "wage_min"),
        ({"skills_required": (" ",)}, "skills_required"),
        ({"headcount": 0}, "headcount"),
        ({"area_division_code": "3301"}, "area_division_code"),
        ({"title": " "}, "title"),
    ]:
        with pytest.raises(JobsRuleViolation) as err:
            Posting(uuid.UUID(int=1)).open(details(**overrides), opened_by="s")
        assert err.value.field == field
    with pytest.raises(JobsRuleViolation):
        opened_posting().open(details(), opened_by="s")


def test_unified_social_credit_code_is_checked_by_format():
    assert normalise_uscc(" 91330106ma2cfq0b1k ") == "91330106MA2CFQ0B1K"
    assert normalise_uscc("91330106MA2CFQ0B1K") == "91330106MA2CFQ0B1K"
    assert normalise_uscc(None) is None and normalise_uscc("  ") is None
    for bad in ("91330106MA2CFQ0B1", "91330106MA2CFQ0B1KX", "9133010OMA2CFQ0B1K", "91330106MA2CFQ0B1I"):
        with pytest.raises(JobsRuleViolation):
            normalise_uscc(bad)


def test_employer_registration_event_carries_no_phone_and_cannot_repeat():
    employer = Employer(uuid.UUID(int=7))
    [event] = employer.register(
        EmployerDetails(
            name=" 杭州某电子厂 ",
            city="杭州",
            area_division_code="330106001001",
            unified_social_credit_code="91330106ma2cfq0b1k",
            contact_name="王经理",
        ),
        registered_by="staff",
    )
    assert isinstance(event, EmployerRegistered)
    assert event.name == "杭州某电子厂" and event.unified_social_credit_code == "91330106MA2CFQ0B1K"
    assert "phone" not in EmployerRegistered.model_fields
    employer.apply(event)
    with pytest.raises(JobsRuleViolation):
        employer.register(EmployerDetails(name="x", city="杭州", area_division_code="330106001001"), "staff")
