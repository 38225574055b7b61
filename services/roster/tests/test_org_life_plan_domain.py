"""Announcing an org-life session ahead of it (会前通知), decided by the pure aggregate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kite_roster.party.domain.organisation_events import OrganisationKind
from kite_roster.party.domain.party import (
    BranchInfo,
    OrgLifeSession,
    PartyConflict,
    PartyRuleViolation,
    PlanRequest,
)
from kite_roster.party.domain.party_events import OrgLifeKind, OrgLifeSessionPlanned, SessionMode

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
BRANCH = BranchInfo(uuid.uuid4(), "德凤镇驻杭流动党员党支部", OrganisationKind.OUTSTATION_BRANCH, False, "522631101")
REQUEST = PlanRequest(
    OrgLifeKind.PARTY_LECTURE, SessionMode.ONLINE, NOW + timedelta(days=3), " 腾讯会议 123-456 ", " 党课 "
)


def plan(branch: BranchInfo = BRANCH, **changes: object) -> list[object]:
    request = PlanRequest(**{**REQUEST.__dict__, **changes})  # type: ignore[arg-type]
    return OrgLifeSession.create(uuid.uuid4()).plan(branch, request, NOW, "secretary-1")  # type: ignore[return-value]


def test_a_plan_names_the_branch_its_place_and_a_trimmed_topic() -> None:
    (event,) = plan()
    assert isinstance(event, OrgLifeSessionPlanned)
    assert (event.organisation_name, event.division_code, event.topic, event.place) == (
        BRANCH.name,
        "522631101",
        "党课",
        "腾讯会议 123-456",
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"starts_at": NOW}, "start-in-past"),
        ({"starts_at": NOW.replace(tzinfo=None) + timedelta(days=1)}, "time-without-zone"),
        ({"topic": "  "}, "topic-required"),
        ({"place": ""}, "place-required"),
    ],
)
def test_a_bad_plan_is_refused_with_its_reason(changes: dict[str, object], code: str) -> None:
    with pytest.raises(PartyRuleViolation) as refused:
        plan(**changes)
    assert refused.value.code == code and refused.value.status == 422


def test_only_a_live_branch_plans_sessions() -> None:
    with pytest.raises(PartyRuleViolation) as station:
        plan(BranchInfo(BRANCH.organisation_id, "驻杭服务站", OrganisationKind.SERVICE_STATION, False))
    assert station.value.code == "not-a-branch"
    with pytest.raises(PartyConflict) as dissolved:
        plan(BranchInfo(BRANCH.organisation_id, BRANCH.name, BRANCH.kind, True))
    assert dissolved.value.code == "organisation-dissolved"
