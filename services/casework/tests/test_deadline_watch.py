"""The deadline watch and 四级联动 over real PostgreSQL, Kafka and HTTP: a warning and a breach exactly
once per case and deadline with two replicas, after a crash and after a restart that missed the
moment; escalation up the levels to the offices roster's organisations name; escalation by hand."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from kite_casework.application.open_case import open_case
from kite_casework.application.watch_deadlines import LEASE, claim_due, watch_deadlines_once
from kite_casework.domain.case import CaseRequest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import Urgency
from kite_casework.service import SERVICE as CASEWORK
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.testing.stack import answer, auth, eventually, running

from .conftest import COUNTY, ORIGIN, OTHER_COUNTY, caseworker

TOWNSHIP_CODE = ORIGIN[:9] + "000"  # 522631101000
HOUR_CASE = (CaseCategory.WAGE_ARREARS, Urgency.CRITICAL)  # 一小时办结: on the clock, no working days


async def open_late(stack, member_id: uuid.UUID, hours_ago: float = 3) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A 一小时 case opened `hours_ago`: its warning moment and deadline are past."""
    principal = Principal("desk-1", frozenset({"caseworker"}), COUNTY)
    request = CaseRequest(member_id, *HOUR_CASE, "被拖欠工资三个月")
    opened_at = utcnow() - timedelta(hours=hours_ago)
    return await open_case(stack.casework.runtime.unit_of_work(), principal, request, opened_at)


async def events_of(stack, kind: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = await stack.casework.pool.fetch(
        "SELECT data->>'case_id' AS case_id, count(*) AS n FROM events WHERE type = $1 GROUP BY 1",
        f"kite.casework.{kind}.v1",
    )
    return {r["case_id"]: r["n"] for r in rows}


async def register_office(stack, name: str, kind: str, division_code: str) -> str:  # type: ignore[no-untyped-def]
    body = {"name": name, "kind": kind, "division_code": division_code}
    async with stack.roster.client(headers=auth(["party-affairs"], COUNTY)) as http:
        created = await http.post("/organisations", json=body)
    assert created.status_code == 201, created.text
    office_id: str = created.json()["organisation_id"]
    pool = stack.casework.pool
    await eventually(lambda: pool.fetchval("SELECT true FROM escalation_offices WHERE office_id = $1", office_id))
    return office_id


async def test_two_replicas_write_exactly_one_warning_and_one_breach_per_case(stack, infra, prefix, monkeypatch):
    member_id = await stack.register_member(41)
    late = [str(await open_late(stack, member_id)) for _ in range(30)]
    monkeypatch.setenv("KITE_CASEWORK_SLA_WATCH_ENABLED", "true")
    monkeypatch.setenv("KITE_CASEWORK_SLA_BATCH_SIZE", "4")  # many small claims: the replicas interleave
    dsn = stack.casework.dsn
    async with (
        running(infra, CASEWORK, prefix, roles=("consume",), dsn=dsn),
        running(infra, CASEWORK, prefix, roles=("consume",), dsn=dsn),
    ):
        await eventually(lambda: _count_equals(stack, "case-sla-breached", len(late)))
        # both replicas keep polling; nothing due is left, so nothing more is written
        assert await stack.count("SELECT count(*) FROM case_sla_clock WHERE due_at IS NOT NULL") == 0
    assert await events_of(stack, "case-sla-breached") == dict.fromkeys(late, 1)
    assert await events_of(stack, "case-sla-warning") == dict.fromkeys(late, 1)
    # a restart that finds nothing due writes nothing
    assert await watch_deadlines_once(stack.casework.runtime, utcnow(), 100) == (0, 0)


async def _count_equals(stack, kind: str, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return sum((await events_of(stack, kind)).values()) >= expected


async def test_a_restart_after_the_moment_still_writes_the_breach_once(stack, infra, prefix, monkeypatch):
    member_id = await stack.register_member(42)
    missed = str(await open_late(stack, member_id, hours_ago=30))  # the watch was off all that time
    monkeypatch.setenv("KITE_CASEWORK_SLA_WATCH_ENABLED", "true")
    async with running(infra, CASEWORK, prefix, roles=("consume",), dsn=stack.casework.dsn):
        await eventually(lambda: _count_equals(stack, "case-sla-breached", 1))
    async with running(infra, CASEWORK, prefix, roles=("consume",), dsn=stack.casework.dsn):
        assert await watch_deadlines_once(stack.casework.runtime, utcnow(), 100) == (0, 0)
    assert await events_of(stack, "case-sla-breached") == {missed: 1}
    async with stack.casework.client(headers=caseworker()) as http:
        case = (await http.get(f"/cases/{missed}")).json()
        labels = [e["label"] for e in (await http.get(f"/cases/{missed}/timeline")).json()["entries"]]
    assert labels == ["登记诉求", "临期预警", "超期"]  # no office above is registered: it stays at the village
    assert case["overdue"] is True and case["escalation_level"] == "village"


async def test_a_replica_that_crashed_after_claiming_leaves_the_cases_to_the_next_pass(stack):
    member_id = await stack.register_member(43)
    cases = {str(await open_late(stack, member_id)) for _ in range(3)}
    now = utcnow()
    runtime = stack.casework.runtime
    claimed = await claim_due(runtime, now, 10)  # …and the replica dies before deciding anything
    assert {str(c.case_id) for c in claimed} == cases
    assert await watch_deadlines_once(runtime, now, 10) == (0, 0)  # the leases still hold
    later = now + LEASE + timedelta(seconds=1)
    assert await watch_deadlines_once(runtime, later, 10) == (3, 6)  # warning + breach each
    assert await watch_deadlines_once(runtime, later, 10) == (0, 0)
    assert await events_of(stack, "case-sla-breached") == dict.fromkeys(cases, 1)


async def test_a_suspended_case_is_not_watched_and_resuming_moves_its_deadline(stack):
    member_id = await stack.register_member(44)
    async with stack.casework.client() as http:
        body = {"member_id": str(member_id), "category": "wage_arrears", "urgency": "critical", "description": "讨薪"}
        case = (await http.post("/cases", json=body, headers=caseworker())).json()
        await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker("wang"))
        await http.post(f"/cases/{case['case_id']}/suspend", json={"reason": "等待仲裁"}, headers=caseworker("wang"))
        runtime = stack.casework.runtime
        assert await watch_deadlines_once(runtime, utcnow() + timedelta(days=3), 10) == (0, 0)
        resumed = (await http.post(f"/cases/{case['case_id']}/resume", headers=caseworker("wang"))).json()
        moved = datetime.fromisoformat(resumed["deadline"])
        assert moved > datetime.fromisoformat(case["deadline"])
        assert await watch_deadlines_once(runtime, moved - timedelta(seconds=1), 10) == (1, 1)  # the warning
        assert await watch_deadlines_once(runtime, moved, 10) == (1, 1)  # the breach, at the moved deadline
    breached = "SELECT data->>'deadline' FROM events WHERE type = 'kite.casework.case-sla-breached.v1'"
    assert datetime.fromisoformat(await stack.casework.pool.fetchval(breached)) == moved


async def test_breaches_climb_from_village_to_township_to_county_offices_from_the_roster(stack):
    township = await register_office(stack, "德凤街道", "township", TOWNSHIP_CODE)
    county = await register_office(stack, "中共黎平县委员会", "party-committee", f"{COUNTY}000000")
    member_id = await stack.register_member(45)
    case_id = await open_late(stack, member_id)
    runtime = stack.casework.runtime
    now = utcnow()
    assert await watch_deadlines_once(runtime, now, 10) == (1, 3)  # warning, breach, escalated
    async with stack.casework.client(headers=caseworker()) as http:
        case = (await http.get(f"/cases/{case_id}")).json()
        assert (case["escalation_level"], case["escalation_level_label"]) == ("township", "乡镇（街道）")
        assert (case["supervisor_office_id"], case["supervisor_office_name"]) == (township, "德凤街道")
        assert case["overdue"] is False and datetime.fromisoformat(case["deadline"]) > now  # that level's deadline

        again = datetime.fromisoformat(case["deadline"]) + timedelta(seconds=1)
        assert await watch_deadlines_once(runtime, again, 10) == (1, 3)
        case = (await http.get(f"/cases/{case_id}")).json()
        assert (case["escalation_level"], case["supervisor_office_id"]) == ("county", county)
        entries = (await http.get(f"/cases/{case_id}/timeline")).json()["entries"]
    steps = [e["label"] for e in entries]
    assert steps == ["登记诉求", "临期预警", "超期", "上报督办", "临期预警", "超期", "上报督办"]
    assert "德凤街道（522631101）督办" in entries[3]["detail"] and entries[3]["actor"] == "system"
    escalated = await stack.casework.pool.fetch(
        "SELECT data->>'level' AS level, data->>'office_id' AS office FROM events"
        " WHERE type = 'kite.casework.case-escalated.v1' ORDER BY position"
    )
    assert [(r["level"], r["office"]) for r in escalated] == [("township", township), ("county", county)]


async def test_a_supervisor_escalates_by_hand_within_their_jurisdiction(stack):
    member_id = await stack.register_member(46)
    async with stack.casework.client() as http:
        body = {"member_id": str(member_id), "category": "wage_arrears", "urgency": "low", "description": "讨薪"}
        case = (await http.post("/cases", json=body, headers=caseworker())).json()
        url = f"/cases/{case['case_id']}/escalate"
        reason = {"reason": "涉及人数多，需县级协调"}

        no_office = await http.post(url, json=reason, headers=caseworker("supervisor"))
        assert no_office.status_code == 409 and no_office.json()["type"].endswith("/no-office-above")
        assert "上级没有登记的督办单位" in no_office.json()["detail"]

        county = await register_office(stack, "中共黎平县委员会", "party-committee", f"{COUNTY}000000")
        viewer = await http.post(url, json=reason, headers=auth(["viewer"], COUNTY))
        assert viewer.status_code == 403
        outsider = await http.post(url, json=reason, headers=caseworker("s", OTHER_COUNTY))
        nowhere = await http.post(f"/cases/{uuid.uuid4()}/escalate", json=reason, headers=caseworker("s", OTHER_COUNTY))
        assert outsider.status_code == 404 and answer(outsider) == answer(nowhere)
        blank = await http.post(url, json={"reason": " "}, headers=caseworker("supervisor"))
        assert blank.status_code == 422
        stale = await http.post(url, json=reason, headers=caseworker("supervisor") | {"If-Match": '"9"'})
        assert stale.status_code == 412

        done = await http.post(url, json=reason, headers=caseworker("supervisor") | {"If-Match": '"1"'})
        assert done.status_code == 200, done.text
        escalated = done.json()
        assert (escalated["escalation_level"], escalated["supervisor_office_id"]) == ("county", county)
        assert escalated["version"] == 2 and done.headers["etag"] == '"2"'
        entries = (await http.get(f"/cases/{case['case_id']}/timeline", headers=caseworker())).json()["entries"]
        assert entries[-1]["label"] == "上报督办" and entries[-1]["actor"] == "supervisor"
        assert "手动上报" in entries[-1]["detail"] and "需县级协调" in entries[-1]["detail"]
        again = await http.post(url, json=reason, headers=caseworker("supervisor"))
        assert again.status_code == 409  # nothing above the county is registered
    assert await stack.count("SELECT count(*) FROM events WHERE type LIKE '%case-escalated%'") == 1


@pytest.mark.parametrize("kind", ["organisation-dissolved"])
async def test_a_dissolved_office_supervises_nothing(stack, kind):
    office = await register_office(stack, "德凤街道", "township", TOWNSHIP_CODE)
    async with stack.roster.client(headers=auth(["party-affairs"], COUNTY)) as http:
        body = {"dissolved_on": "2026-11-01", "reason": "撤并"}
        dissolved = await http.post(f"/organisations/{office}/dissolve", json=body)
    assert dissolved.status_code == 200, dissolved.text
    pool = stack.casework.pool
    await eventually(lambda: _gone(pool, office))


async def _gone(pool, office: str) -> bool:  # type: ignore[no-untyped-def]
    return await pool.fetchval("SELECT count(*) FROM escalation_offices WHERE office_id = $1", office) == 0
