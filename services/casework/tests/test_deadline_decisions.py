"""限时办结 and 四级联动 in the case aggregate (pure, no I/O): a warning and a breach once per deadline,
escalation one level up by division code, suspension, and escalation by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kite_casework.domain import deadline_events as dev
from kite_casework.domain.case import Case, CaseIsSuspended, CaseRequest, CaseRuleViolation, CaseStatusConflict
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.escalation import AdminLevel, EscalationOffice, area_of, level_of_area
from kite_casework.domain.lifecycle import Outcome
from kite_casework.domain.sla import SlaTier, Urgency, deadline
from kite_common.domain import Conflict
from kite_common.ids import new_id

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in China
ORIGIN = "522631101001"
TOWNSHIP = EscalationOffice(AdminLevel.TOWNSHIP, "522631101", uuid.uuid4(), "德凤街道")
COUNTY = EscalationOffice(AdminLevel.COUNTY, "522631", uuid.uuid4(), "黎平县委")


def hour_case() -> Case:
    case = Case(new_id())
    request = CaseRequest(new_id(), CaseCategory.WAGE_ARREARS, Urgency.CRITICAL, "被拖欠工资")  # 一小时
    case.open(request, ORIGIN, "desk", NOW)
    case.accept("wang", NOW)
    return case


WARN_AT = NOW + timedelta(minutes=48)


def names(events: list) -> list[str]:  # type: ignore[type-arg]
    return [e.payload.event_name for e in events]


def test_before_the_warning_moment_nothing_happens():
    case = hour_case()
    assert case.watch_deadline(NOW + timedelta(minutes=47), WARN_AT, TOWNSHIP) == []


def test_the_warning_comes_once_and_the_breach_once_then_nothing_more_for_that_deadline():
    case = hour_case()
    first_deadline = case.deadline
    assert names(case.watch_deadline(WARN_AT, WARN_AT, TOWNSHIP)) == ["case-sla-warning"]
    assert case.watch_deadline(WARN_AT + timedelta(minutes=1), WARN_AT, TOWNSHIP) == []
    late = NOW + timedelta(hours=1, seconds=5)
    breach = case.watch_deadline(late, WARN_AT, TOWNSHIP)
    assert names(breach) == ["case-sla-breached", "case-escalated"]
    assert breach[0].payload.deadline == first_deadline and breach[0].payload.level is AdminLevel.VILLAGE
    escalated = breach[1].payload
    assert isinstance(escalated, dev.CaseEscalated)
    assert (escalated.from_level, escalated.level, escalated.office_id) == (
        AdminLevel.VILLAGE,
        AdminLevel.TOWNSHIP,
        TOWNSHIP.office_id,
    )
    assert escalated.deadline == deadline(late, SlaTier.HOUR) and not escalated.manual
    assert case.level is AdminLevel.TOWNSHIP and case.deadline == late + timedelta(hours=1)
    assert case.watch_deadline(late, late + timedelta(minutes=48), COUNTY) == []  # the new deadline runs afresh


def test_a_worker_that_comes_late_writes_the_warning_and_the_breach_together():
    case = hour_case()
    events = case.watch_deadline(NOW + timedelta(days=3), WARN_AT, None)
    assert names(events) == ["case-sla-warning", "case-sla-breached"]  # no office above: stays put
    assert case.level is AdminLevel.VILLAGE
    assert case.watch_deadline(NOW + timedelta(days=4), WARN_AT, None) == []


def test_repeated_breaches_keep_climbing():
    case = hour_case()
    t1 = NOW + timedelta(hours=2)
    case.watch_deadline(t1, WARN_AT, TOWNSHIP)
    t2 = t1 + timedelta(hours=2)
    events = case.watch_deadline(t2, t1 + timedelta(minutes=48), COUNTY)
    assert names(events) == ["case-sla-warning", "case-sla-breached", "case-escalated"]
    assert events[-1].payload.from_level is AdminLevel.TOWNSHIP and case.level is AdminLevel.COUNTY


def test_a_suspended_or_resolved_case_neither_warns_nor_breaches():
    case = hour_case()
    case.suspend("wang", "等待法院判决", NOW)
    assert case.watch_deadline(NOW + timedelta(days=2), WARN_AT, TOWNSHIP) == []
    case.resume("wang", NOW + timedelta(days=2))
    assert case.deadline == NOW + timedelta(days=2, hours=1)  # resume moved the deadline by the pause
    case.resolve("wang", Outcome.RESOLVED, "已办好", NOW + timedelta(days=2))
    assert case.watch_deadline(NOW + timedelta(days=9), WARN_AT, TOWNSHIP) == []


def test_a_supervisor_escalates_by_hand_with_a_reason():
    case = hour_case()
    [event] = case.escalate("supervisor", "求助人多次来电，群众反映强烈", COUNTY, NOW)
    assert event.payload.manual and event.payload.escalated_by == "supervisor"
    assert case.level is AdminLevel.COUNTY and case.supervisor_office_id == COUNTY.office_id
    with pytest.raises(CaseRuleViolation):
        case.escalate("supervisor", "  ", None, NOW)
    with pytest.raises(Conflict) as top:
        case.escalate("supervisor", "再上报", None, NOW)
    assert top.value.code == "no-office-above"


def test_a_suspended_or_closed_case_is_not_escalated_by_hand():
    case = hour_case()
    case.suspend("wang", "等待", NOW)
    with pytest.raises(CaseIsSuspended):
        case.escalate("s", "上报", COUNTY, NOW)
    case.resume("wang", NOW)
    case.resolve("wang", Outcome.RESOLVED, "已办好", NOW)
    with pytest.raises(CaseStatusConflict):
        case.escalate("s", "上报", COUNTY, NOW)


def test_replaying_an_escalated_case_gives_the_same_case():
    case = hour_case()
    case.watch_deadline(NOW + timedelta(hours=2), WARN_AT, TOWNSHIP)
    replayed = Case.replay(case.case_id, [e.payload for e in case.pending])
    assert replayed == case


@pytest.mark.parametrize(
    ("code", "area", "level"),
    [
        ("522631101001", "522631101001", AdminLevel.VILLAGE),
        ("522631101000", "522631101", AdminLevel.TOWNSHIP),
        ("522631000000", "522631", AdminLevel.COUNTY),
        ("522600000000", "5226", AdminLevel.CITY),
        ("520000000000", "52", AdminLevel.PROVINCE),
    ],
)
def test_an_organisation_code_names_its_area_and_level(code, area, level):
    assert area_of(code) == area and level_of_area(area) is level and level.prefix_of(ORIGIN) == ORIGIN[: len(area)]
