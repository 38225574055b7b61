"""The referral-deadline watch over real PostgreSQL, Kafka and HTTP: when a department's deadline passes
unanswered, `case-referral-overdue` is written exactly once per referral and deadline — with two
replicas, after a replica crashed holding claims, and after a restart that missed the moment; an
answered or withdrawn referral, or one not yet due, gets none; a rebuild keeps what was announced."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from kite_casework.application.refer_case import refer_case
from kite_casework.application.watch_referrals import LEASE, claim_due_referrals, watch_referrals_once
from kite_casework.service import SERVICE as CASEWORK
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import eventually, running

from .conftest import COUNTY, case_body, caseworker, log_settled

OVERDUE = "kite.casework.case-referral-overdue.v1"


async def case_with_member(stack: Any, http: httpx.AsyncClient, member_id: uuid.UUID) -> uuid.UUID:
    case = (await http.post("/cases", json=case_body(member_id, urgency="normal"), headers=caseworker())).json()
    accepted = await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker("wang"))
    assert accepted.status_code == 200, accepted.text
    return uuid.UUID(case["case_id"])


async def refer(stack: Any, case_id: uuid.UUID, deadline: datetime, department: str = "human_resources") -> uuid.UUID:
    """Refer through the real command, as if asked before `deadline` (which may be past already)."""
    referral_id = new_id()
    principal = Principal("wang", frozenset({"caseworker"}), COUNTY)
    asked = min(deadline, utcnow()) - timedelta(days=2)
    runtime = stack.casework.runtime
    await refer_case(
        runtime.unit_of_work(), principal, case_id, referral_id, department, "请协调", deadline, None, asked
    )
    return referral_id


async def overdue_events(stack: Any) -> dict[str, int]:
    rows = await stack.casework.pool.fetch(
        "SELECT data->>'referral_id' AS referral_id, count(*) AS n FROM events WHERE type = $1 GROUP BY 1", OVERDUE
    )
    return {r["referral_id"]: r["n"] for r in rows}


async def test_two_replicas_write_one_overdue_event_per_referral(stack, infra, prefix, monkeypatch):
    member_id = await stack.register_member(61)
    async with stack.casework.client() as http:
        cases = [await case_with_member(stack, http, member_id) for _ in range(12)]
    past = utcnow() - timedelta(hours=1)
    late = {str(await refer(stack, case_id, past)) for case_id in cases}
    monkeypatch.setenv("KITE_CASEWORK_SLA_WATCH_ENABLED", "true")
    monkeypatch.setenv("KITE_CASEWORK_SLA_BATCH_SIZE", "3")  # many small claims: the replicas interleave
    dsn = stack.casework.dsn

    async def all_announced() -> bool:
        return set(await overdue_events(stack)) == late

    async with (
        running(infra, CASEWORK, prefix, roles=("consume",), dsn=dsn),
        running(infra, CASEWORK, prefix, roles=("consume",), dsn=dsn),
    ):
        await eventually(all_announced)
        assert await stack.count("SELECT count(*) FROM case_referrals WHERE due_at IS NOT NULL") == 0
    assert await overdue_events(stack) == dict.fromkeys(late, 1)
    # a restart that finds nothing due writes nothing
    assert await watch_referrals_once(stack.casework.runtime, utcnow(), 100) == (0, 0)


async def test_a_crash_after_claiming_or_a_missed_moment_only_delays_the_event(stack):
    member_id = await stack.register_member(62)
    async with stack.casework.client() as http:
        cases = [await case_with_member(stack, http, member_id) for _ in range(3)]
    runtime = stack.casework.runtime
    now = utcnow()
    # Deadlines a day ago: the watch was down when they passed.
    late = {str(await refer(stack, case_id, now - timedelta(days=1))) for case_id in cases}
    claimed = await claim_due_referrals(runtime, now, 10)  # …and the replica dies before deciding anything
    assert {str(c.referral_id) for c in claimed} == late
    assert await watch_referrals_once(runtime, now, 10) == (0, 0)  # the leases still hold
    later = now + LEASE + timedelta(seconds=1)
    assert await watch_referrals_once(runtime, later, 10) == (3, 3)
    assert await watch_referrals_once(runtime, later, 10) == (0, 0)
    assert await overdue_events(stack) == dict.fromkeys(late, 1)

    # A rebuild restores what was announced: the watch finds nothing to do afterwards.
    await log_settled(stack.casework.pool)
    async with stack.casework.pool.acquire() as conn:
        await rebuild_projections(conn, CASEWORK)
    assert await watch_referrals_once(runtime, later + timedelta(hours=1), 10) == (0, 0)
    async with stack.casework.client(headers=caseworker()) as http:
        entries = (await http.get(f"/cases/{cases[0]}/timeline")).json()["entries"]
    assert entries[-1]["label"] == "转交逾期" and entries[-1]["detail"].startswith("人社未在 ")


async def test_answered_withdrawn_and_not_yet_due_referrals_get_no_overdue_event(stack):
    member_id = await stack.register_member(63)
    runtime = stack.casework.runtime
    async with stack.casework.client() as http:
        answered, withdrawn, waiting = [await case_with_member(stack, http, member_id) for _ in range(3)]
        past = utcnow() - timedelta(minutes=5)
        first = await refer(stack, answered, past)
        second = await refer(stack, withdrawn, past)
        reply = {"reply": "已处理", "answered_by": "人社局 李科长"}
        await http.post(f"/cases/{answered}/referrals/{first}/answer", json=reply, headers=caseworker())
        await http.post(
            f"/cases/{withdrawn}/referrals/{second}/withdraw", json={"reason": "无需"}, headers=caseworker("wang")
        )
        due = utcnow() + timedelta(hours=2)
        third = await refer(stack, waiting, due)
    assert await watch_referrals_once(runtime, utcnow(), 10) == (0, 0)
    assert await watch_referrals_once(runtime, due - timedelta(seconds=1), 10) == (0, 0)
    assert await watch_referrals_once(runtime, due, 10) == (1, 1)
    assert await overdue_events(stack) == {str(third): 1}
