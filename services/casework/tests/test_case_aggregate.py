"""The case aggregate: opening, first-responder acceptance, redaction (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kite_casework.domain.case import (
    AlreadyAccepted,
    AlreadyOpened,
    Case,
    CaseNotOpened,
    CaseRequest,
    CaseRuleViolation,
    CaseStatus,
)
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.events import CaseAccepted, CaseOpened
from kite_casework.domain.redaction import redact_personal_numbers
from kite_casework.domain.sla import SlaTier, Urgency
from kite_common.ids import new_id

NOW = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
ORIGIN = "522631101001"


def request(**overrides: object) -> CaseRequest:
    values: dict[str, object] = {
        "member_id": new_id(),
        "category": CaseCategory.WAGE_ARREARS,
        "urgency": Urgency.CRITICAL,
        "description": "被拖欠工资18万元",
    }
    values.update(overrides)
    return CaseRequest(**values)  # type: ignore[arg-type]


def opened_case(by: str = "desk-1") -> Case:
    case = Case(new_id())
    for event in case.open(request(), ORIGIN, by, NOW):
        case.apply(event.payload)
    return case


def test_opening_decides_case_opened_with_tier_deadline_and_home_place():
    case = Case(new_id())
    req = request()
    [event] = case.open(req, ORIGIN, "desk-1", NOW)
    opened = event.payload
    assert isinstance(opened, CaseOpened)
    assert event.time == NOW
    assert opened.case_id == case.case_id and opened.member_id == req.member_id
    assert opened.sla_tier == SlaTier.HOUR
    assert opened.deadline == NOW + timedelta(hours=1)
    assert opened.origin_division_code == ORIGIN
    assert opened.opened_by == "desk-1"


def test_a_case_is_opened_once():
    case = opened_case()
    with pytest.raises(AlreadyOpened):
        case.open(request(), ORIGIN, "desk-1", NOW)


def test_a_blank_description_is_refused():
    with pytest.raises(CaseRuleViolation):
        Case(new_id()).open(request(description="   "), ORIGIN, "desk-1", NOW)


def test_first_responder_owns_the_case():
    case = opened_case()
    [event] = case.accept("worker-a", NOW + timedelta(minutes=5))
    assert event.payload == CaseAccepted(
        case_id=case.case_id, accepted_by="worker-a", accepted_at=NOW + timedelta(minutes=5)
    )
    case.apply(event.payload)
    assert case.status == CaseStatus.ACCEPTED and case.accepted_by == "worker-a"


def test_someone_else_accepting_an_owned_case_is_told_the_owner():
    case = opened_case()
    case.apply(case.accept("worker-a", NOW)[0].payload)
    with pytest.raises(AlreadyAccepted) as refused:
        case.accept("worker-b", NOW)
    assert refused.value.owner == "worker-a" and not refused.value.by_you
    assert "worker-a" in str(refused.value)
    assert refused.value.code == "already-accepted"


def test_the_owner_accepting_again_is_refused_as_already_theirs():
    case = opened_case()
    case.apply(case.accept("worker-a", NOW)[0].payload)
    with pytest.raises(AlreadyAccepted) as refused:
        case.accept("worker-a", NOW)
    assert refused.value.by_you and str(refused.value) == "该诉求已由您受理"
    assert refused.value.code == "already-accepted-by-you"


def test_a_case_never_opened_cannot_be_accepted():
    with pytest.raises(CaseNotOpened):
        Case(new_id()).accept("worker-a", NOW)


def test_replay_rebuilds_the_state():
    case = opened_case()
    events = [
        CaseOpened(
            case_id=case.case_id,
            member_id=new_id(),
            origin_division_code=ORIGIN,
            category=CaseCategory.MEDICAL,
            urgency=Urgency.HIGH,
            description="x",
            sla_tier=SlaTier.HOUR,
            deadline=NOW,
            opened_by="d",
        ),
        CaseAccepted(case_id=case.case_id, accepted_by="w", accepted_at=NOW),
    ]
    replayed = Case.replay(case.case_id, events)
    assert (replayed.status, replayed.accepted_by, replayed.origin_division_code) == (CaseStatus.ACCEPTED, "w", ORIGIN)


def test_personal_numbers_in_the_description_never_reach_the_event():
    text = "身份证522631199001010011，电话13812345678，另一个 139-1234-5678，欠薪12000元，工号20240301"
    [event] = Case(new_id()).open(request(description=text), ORIGIN, "desk-1", NOW)
    description = event.payload.description  # type: ignore[attr-defined]
    assert "522631199001010011" not in description and "13812345678" not in description
    assert "139-1234-5678" not in description
    assert "522631********0011" in description and "138****5678" in description and "139****5678" in description
    assert "12000" in description and "20240301" in description


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52263119900101001x", "522631********001X"),
        ("号码 138 1234 5678。", "号码 138****5678。"),
        ("订单号 213812345678901", "订单号 213812345678901"),  # a longer digit run is not a phone number
        ("欠薪 3 个月", "欠薪 3 个月"),
    ],
)
def test_redaction(text, expected):
    assert redact_personal_numbers(text) == expected
