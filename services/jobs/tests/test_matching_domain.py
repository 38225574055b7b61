"""Matching without I/O: the hard requirements, the score and its parts, and household priority as an
ordering that comes before the score."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from kite_jobs.domain.matching import Candidate, PostingTerms, evaluate, rank
from kite_jobs.domain.priority import Priority, household_priority

TODAY = date(2026, 3, 1)
HANGZHOU_XIHU = "330106001001"
TERMS = PostingTerms(
    skills_required=("电工", "焊工"),
    place_division_code=HANGZHOU_XIHU,
    wage_min_fen=600_000,
    wage_max_fen=900_000,
    opens_on=TODAY,
    closes_on=date(2026, 6, 30),
    age_min=18,
    age_max=50,
    certificates_required=("电工证",),
)


def seeker(n: int = 1, **overrides: object) -> Candidate:
    values: dict[str, object] = {
        "member_id": uuid.UUID(int=n),
        "origin_division_code": "522631101001",
        "birth_year": 1990,
        "skills": ("电工", "焊工"),
        "desired_division_code": "330110000000",  # 杭州市余杭区: the same city as 西湖区
        "willing_to_move": False,
        "expected_wage_fen": 500_000,
        "certificates": ("电工证",),
        "available_from": TODAY,
    }
    values.update(overrides)
    return Candidate(**values)  # type: ignore[arg-type]


def parts(match) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {p.part: p.points for p in match.parts}


def test_a_perfect_fit_scores_100_with_every_part_explained():
    match = evaluate(TERMS, seeker(), TODAY)
    assert match is not None
    assert parts(match) == {"skills": 40, "place": 30, "wage": 20, "availability": 10, "requirements": 0}
    assert match.points == 100 and match.score == 1.0 and match.matched_skills == ("焊工", "电工")
    details = {p.part: p.detail for p in match.parts}
    assert details["skills"] == "具备焊工、电工（要求2项中的2项）"
    assert details["wage"] == "期望月薪5000元，岗位6000元–9000元"
    assert "年龄36岁" in details["requirements"] and "电工证" in details["requirements"]


def test_places_compare_by_division_code_not_by_name():
    # 330100 杭州市 and 330106 西湖区 are one city: the first four digits agree
    assert parts(evaluate(TERMS, seeker(desired_division_code="330100000000"), TODAY))["place"] == 30  # type: ignore[arg-type]
    # 宁波 (3302) is another city of the same province: only for those willing to move
    assert evaluate(TERMS, seeker(desired_division_code="330203000000"), TODAY) is None
    moving = evaluate(TERMS, seeker(desired_division_code="330203000000", willing_to_move=True), TODAY)
    assert moving is not None and parts(moving)["place"] == 20
    far = evaluate(TERMS, seeker(desired_division_code="522631000000", willing_to_move=True), TODAY)
    assert far is not None and parts(far)["place"] == 10


@pytest.mark.parametrize(
    ("expected_wage_fen", "points"),
    [(600_000, 20), (750_000, 10), (800_000, 6), (900_000, 0)],
)
def test_the_wage_part_falls_from_the_minimum_to_the_maximum(expected_wage_fen, points):
    match = evaluate(TERMS, seeker(expected_wage_fen=expected_wage_fen), TODAY)
    assert match is not None and parts(match)["wage"] == points


def test_skills_and_availability_parts():
    one = evaluate(TERMS, seeker(skills=("电工", "厨师")), TODAY)
    assert one is not None and parts(one)["skills"] == 20 and one.matched_skills == ("电工",)
    later = evaluate(TERMS, seeker(available_from=date(2026, 5, 1)), TODAY)
    assert later is not None and parts(later)["availability"] == 5


@pytest.mark.parametrize(
    "overrides",
    [
        {"skills": ("厨师",)},
        {"expected_wage_fen": 900_001},
        {"certificates": ()},
        {"birth_year": 2010},  # 16 in 2026, the posting wants 18–50
        {"birth_year": 1970},  # 56
        {"available_from": date(2026, 7, 1)},  # after the closing date
    ],
)
def test_a_hard_requirement_failed_is_no_match(overrides):
    assert evaluate(TERMS, seeker(**overrides), TODAY) is None


def test_priority_tiers():
    assert household_priority(True, 0) is Priority.NOBODY_EMPLOYED
    assert household_priority(True, 1) is Priority.ONE_EARNER
    assert household_priority(True, 2) is Priority.OTHERS
    assert household_priority(False, 0) is Priority.OTHERS


def test_household_priority_orders_before_the_score_not_as_a_tie_breaker():
    perfect_other = seeker(1)
    weak_poor = seeker(2, skills=("电工",), expected_wage_fen=850_000, priority=Priority.NOBODY_EMPLOYED)
    middle_one_earner = seeker(3, skills=("电工",), priority=Priority.ONE_EARNER)
    strong_one_earner = seeker(4, priority=Priority.ONE_EARNER)
    ordered = rank(TERMS, [perfect_other, middle_one_earner, weak_poor, strong_one_earner], TODAY)
    assert [m.candidate.member_id.int for m in ordered] == [2, 4, 3, 1]
    assert [m.points for m in ordered] == [20 + 30 + 3 + 10, 100, 80, 100]


def test_rank_skips_the_excluded_and_caps():
    found = rank(TERMS, [seeker(n) for n in (3, 1, 2)], TODAY, exclude={uuid.UUID(int=1)}, limit=1)
    assert [m.candidate.member_id.int for m in found] == [2]
