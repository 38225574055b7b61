"""Intake over real HTTP, PostgreSQL and Kafka: the channel, another system's reference and the
Idempotency-Key (one case however often, however concurrently, it is submitted), member tokens that
see only their own cases, and a case seen from the member's home and from where they work."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from kite_casework.application.take_in_case import purge_expired_keys
from kite_common.clock import utcnow
from kite_common.testing.stack import answer, auth

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker

HANGZHOU = "3301"  # 杭州: the out-station branch where the member works


def member(member_id: uuid.UUID, jurisdiction: str = COUNTY) -> dict[str, str]:
    return auth(["member"], jurisdiction, subject=str(member_id))


async def test_the_channel_is_recorded_with_its_label(stack):
    member_id = await stack.register_member(31)
    async with stack.casework.client() as http:
        desk = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()
        hotline = await http.post("/cases", json=case_body(member_id, channel="hotline"), headers=caseworker())
        own = await http.post("/cases", json=case_body(member_id), headers=member(member_id))
        bad = await http.post("/cases", json=case_body(member_id, channel="fax"), headers=caseworker())
        by_hotline = (await http.get("/cases", params={"channel": "hotline"}, headers=caseworker())).json()
    assert (desk["channel"], desk["channel_label"]) == ("station", "服务站")
    assert (hotline.json()["channel"], hotline.json()["channel_label"]) == ("hotline", "服务热线")
    assert own.status_code == 201 and (own.json()["channel"], own.json()["opened_by"]) == ("app", str(member_id))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "channel"
    assert [c["case_id"] for c in by_hotline["items"]] == [hotline.json()["case_id"]]
    assert await stack.count("SELECT count(*) FROM cases WHERE channel IS NOT NULL") == 3


async def test_a_repeated_submission_from_another_system_returns_the_same_case(stack):
    member_id = await stack.register_member(32)
    body = case_body(member_id, source_system="12345热线", external_reference="GZ-2025-0001")
    async with stack.casework.client() as http:
        first = await http.post("/cases", json=body, headers=caseworker("hotline-gw"))
        again = await http.post("/cases", json=body | {"description": "再次转来"}, headers=caseworker("hotline-gw"))
        other_member = await http.post(
            "/cases", json=body | {"member_id": str(await stack.register_member(33))}, headers=caseworker("hotline-gw")
        )
        half = await http.post("/cases", json=case_body(member_id, external_reference="GZ-1"), headers=caseworker())
    assert first.status_code == 201 and first.json()["channel"] == "system_referral"
    assert (first.json()["source_system"], first.json()["external_reference"]) == ("12345热线", "GZ-2025-0001")
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["location"] == f"/cases/{first.json()['case_id']}"
    assert other_member.status_code == 409 and "另一人员" in other_member.json()["detail"]
    assert half.status_code == 422 and half.json()["errors"][0]["field"] == "source_system"
    assert await stack.count("SELECT count(*) FROM events WHERE type LIKE '%case-opened%'") == 1


async def test_concurrent_submissions_of_one_reference_or_key_open_one_case(stack):
    member_id = await stack.register_member(34)
    by_reference = case_body(member_id, source_system="12345热线", external_reference="GZ-race")
    by_key = case_body(member_id, description="同一 Key 并发提交")
    async with stack.casework.client() as http:
        answers = await asyncio.gather(
            *(http.post("/cases", json=by_reference, headers=caseworker("gw")) for _ in range(6)),
            *(
                http.post("/cases", json=by_key, headers=caseworker("app-gw") | {"Idempotency-Key": "k-race"})
                for _ in range(6)
            ),
        )
    for group in (answers[:6], answers[6:]):
        assert sorted(a.status_code for a in group) == [200] * 5 + [201], [a.text for a in group]
        assert len({a.json()["case_id"] for a in group}) == 1
    assert await stack.count("SELECT count(*) FROM cases") == 2
    assert await stack.count("SELECT count(*) FROM events") == 2


async def test_an_idempotency_key_is_one_case_per_caller_and_refuses_another_body(stack):
    member_id = await stack.register_member(35)
    body = case_body(member_id)
    key = {"Idempotency-Key": "5b1c-0001"}
    async with stack.casework.client() as http:
        first = await http.post("/cases", json=body, headers=caseworker("desk") | key)
        again = await http.post("/cases", json=body, headers=caseworker("desk") | {"Idempotency-Key": '"5b1c-0001"'})
        changed = await http.post("/cases", json=body | {"urgency": "low"}, headers=caseworker("desk") | key)
        someone_else = await http.post("/cases", json=body, headers=caseworker("other-desk") | key)
        garbage = await http.post("/cases", json=body, headers=caseworker("desk") | {"Idempotency-Key": "k" * 201})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["case_id"] == first.json()["case_id"]
    assert changed.status_code == 422 and changed.json()["type"].endswith("/idempotency-key-reused")
    assert "内容不同" in changed.json()["detail"]
    assert someone_else.status_code == 201 and someone_else.json()["case_id"] != first.json()["case_id"]
    assert garbage.status_code == 400 and "Idempotency-Key" in garbage.json()["detail"]
    assert await stack.count("SELECT count(*) FROM cases") == 2


async def test_a_member_opens_and_reads_only_their_own_cases(stack):
    mine, theirs = await stack.register_member(36), await stack.register_member(37)
    async with stack.casework.client() as http:
        own = (await http.post("/cases", json=case_body(mine), headers=member(mine))).json()
        other = (await http.post("/cases", json=case_body(theirs), headers=caseworker())).json()
        for_someone = await http.post("/cases", json=case_body(theirs), headers=member(mine))
        hotline = await http.post("/cases", json=case_body(mine, channel="hotline"), headers=member(mine))

        listed = (await http.get("/cases", headers=member(mine))).json()
        asked_for_theirs = (await http.get("/cases", params={"member_id": str(theirs)}, headers=member(mine))).json()
        got = await http.get(f"/cases/{own['case_id']}", headers=member(mine))
        nobody = str(uuid.uuid4())
        for path in ("", "/timeline"):
            theirs_answer = await http.get(f"/cases/{other['case_id']}{path}", headers=member(mine))
            unknown_answer = await http.get(f"/cases/{nobody}{path}", headers=member(mine))
            assert theirs_answer.status_code == 404 and answer(theirs_answer) == answer(unknown_answer), path
            assert theirs_answer.json()["detail"] == "未找到该诉求"
        timeline = await http.get(f"/cases/{own['case_id']}/timeline", headers=member(mine))
        accept = await http.post(f"/cases/{own['case_id']}/accept", headers=member(mine))
    assert for_someone.status_code == 403 and for_someone.json()["detail"] == "只能为本人提出诉求"
    assert hotline.status_code == 422 and hotline.json()["errors"][0]["field"] == "channel"
    assert [c["case_id"] for c in listed["items"]] == [own["case_id"]]
    assert asked_for_theirs["items"] == []
    assert got.status_code == 200 and got.json()["member_id"] == str(mine)
    assert [e["label"] for e in timeline.json()["entries"]] == ["登记诉求"]
    assert accept.status_code == 403
    assert await stack.count("SELECT count(*) FROM cases") == 2


async def test_a_case_is_seen_and_owned_from_home_and_from_where_the_member_works(stack):
    member_id = await stack.register_member(38)
    station = caseworker("hz-station", HANGZHOU)
    async with stack.casework.client() as http:
        refused = await http.post("/cases", json=case_body(member_id), headers=station)
        bad_place = await http.post("/cases", json=case_body(member_id, work_division_code="杭州"), headers=station)
        case = (
            await http.post("/cases", json=case_body(member_id, work_division_code="330100"), headers=station)
        ).json()
        home_only = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()

        listed = {
            who: [c["case_id"] for c in (await http.get("/cases", headers=caseworker("v", who))).json()["items"]]
            for who in (HANGZHOU, COUNTY, "52", "", OTHER_COUNTY)
        }
        home_sees = await http.get(f"/cases/{case['case_id']}", headers=caseworker("x", COUNTY))
        elsewhere = await http.get(f"/cases/{case['case_id']}", headers=caseworker("x", OTHER_COUNTY))
        unknown = await http.get(f"/cases/{uuid.uuid4()}", headers=caseworker("x", OTHER_COUNTY))
        accepted = await http.post(f"/cases/{case['case_id']}/accept", headers=station)
        not_theirs = await http.post(f"/cases/{home_only['case_id']}/accept", headers=station)
    assert refused.status_code == 422 and refused.json()["type"].endswith("/member-unknown")
    assert bad_place.status_code == 422 and bad_place.json()["errors"][0]["field"] == "work_division_code"
    assert case["work_division_code"] == "330100" and case["origin_division_code"].startswith(COUNTY)
    assert listed[HANGZHOU] == [case["case_id"]]
    assert listed[COUNTY] == listed["52"] == listed[""] == [case["case_id"], home_only["case_id"]]  # once each
    assert listed[OTHER_COUNTY] == []
    assert home_sees.status_code == 200 and answer(elsewhere) == answer(unknown)
    assert accepted.status_code == 200 and accepted.json()["accepted_by"] == "hz-station"
    assert not_theirs.status_code == 404
    assert await stack.count("SELECT count(*) FROM cases") == 2


async def test_an_idempotency_key_expires_after_its_retention_but_an_external_reference_never(stack, monkeypatch):
    member_id = await stack.register_member(38)
    body = case_body(member_id)
    key = {"Idempotency-Key": "hotline-7731"}
    external = body | {"source_system": "12345", "external_reference": "GZ-2026-0042"}
    age = "UPDATE case_idempotency_keys SET created_at = created_at - interval '8 days'"
    async with stack.casework.client() as http:
        first = await http.post("/cases", json=body, headers=caseworker("desk") | key)
        by_reference = await http.post("/cases", json=external, headers=caseworker("desk") | {"Idempotency-Key": "r-1"})
        await stack.casework.pool.execute(age)  # a week and a day later (default retention: 7 days)
        reused = await http.post("/cases", json=body, headers=caseworker("desk") | key)
        again = await http.post("/cases", json=body, headers=caseworker("desk") | key)
        referenced = await http.post("/cases", json=external, headers=caseworker("desk") | {"Idempotency-Key": "r-1"})
        # A shorter retention applies to the keys kept already.
        monkeypatch.setenv("KITE_CASEWORK_IDEMPOTENCY_KEY_RETENTION_HOURS", "1")
        await stack.casework.pool.execute("UPDATE case_idempotency_keys SET created_at = now() - interval '2 hours'")
        after_an_hour = await http.post("/cases", json=body, headers=caseworker("desk") | key)
    assert first.status_code == 201 and by_reference.status_code == 201
    assert reused.status_code == 201 and reused.json()["case_id"] != first.json()["case_id"]
    assert again.status_code == 200 and again.json()["case_id"] == reused.json()["case_id"]
    assert referenced.status_code == 200 and referenced.json()["case_id"] == by_reference.json()["case_id"]
    assert after_an_hour.status_code == 201
    assert await stack.count("SELECT count(*) FROM cases") == 4


async def test_expired_keys_are_purged_in_batches_and_fresh_ones_kept(stack):
    pool = stack.casework.pool
    await pool.execute(
        """INSERT INTO case_idempotency_keys (caller, key, fingerprint, case_id, created_at)
           SELECT 'desk', 'k' || n, 'f', gen_random_uuid(), now() - make_interval(days => 1 + 7 * (n <= 5)::int)
           FROM generate_series(1, 8) n"""
    )
    week = timedelta(days=7)
    async with pool.acquire() as conn:
        assert await purge_expired_keys(conn, utcnow(), week, 2) == 2
        assert await purge_expired_keys(conn, utcnow(), week, 2) == 2
        assert await purge_expired_keys(conn, utcnow(), week, 2) == 1
        assert await purge_expired_keys(conn, utcnow(), week, 2) == 0
    kept = await pool.fetch("SELECT key FROM case_idempotency_keys ORDER BY key")
    assert [r["key"] for r in kept] == ["k6", "k7", "k8"]
