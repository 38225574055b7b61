"""The member's later life in the roster reaches casework over Kafka: an edit, a move and a
deregistration, after which no new case is opened for them while their cases stay in hand."""

from __future__ import annotations

import uuid

from kite_common.testing.stack import answer, auth, eventually

from .conftest import COUNTY, case_body, caseworker


async def test_roster_edits_moves_and_deregistration_reach_the_directory_and_close_it_to_new_cases(stack):
    member_id = await stack.register_member(11)
    pool = stack.casework.pool
    assert pool is not None
    async with stack.roster.client(headers=auth(["registrar"], COUNTY)) as roster:
        edited = await roster.patch(f"/members/{member_id}", json={"name": "陈贵有", "skills": ["砌筑工"]})
        assert edited.status_code == 200, edited.text
        moved = await roster.post(
            f"/members/{member_id}/relocations",
            json={"current_city": "苏州", "employer": "苏州某建筑公司", "moved_on": "2025-03-01"},
        )
        assert moved.status_code == 201, moved.text

        async def followed():
            row = await pool.fetchrow(
                "SELECT name, skills, current_city, employer FROM member_directory WHERE member_id = $1", member_id
            )
            return row if row["current_city"] == "苏州" else None

        row = await eventually(followed)
        assert (row["name"], list(row["skills"]), row["employer"]) == ("陈贵有", ["砌筑工"], "苏州某建筑公司")

        async with stack.casework.client(headers=caseworker()) as http:
            opened = await http.post("/cases", json=case_body(member_id))
            assert opened.status_code == 201, opened.text
            case = opened.json()

            gone = await roster.post(f"/members/{member_id}/deregistration", json={"reason": "returned-home"})
            assert gone.status_code == 200, gone.text
            await eventually(
                lambda: pool.fetchval(
                    "SELECT true FROM member_directory WHERE member_id = $1 AND deregistered_at IS NOT NULL",
                    member_id,
                )
            )

            refused = await http.post("/cases", json=case_body(member_id))
            assert refused.status_code == 422, refused.text
            problem = refused.json()
            assert problem["type"].endswith("/member-deregistered")
            assert problem["detail"].startswith("该人员已从名册注销（返乡）")
            assert problem["errors"] == [{"field": "member_id", "code": "deregistered", "message": "该人员已注销"}]
            # Outside the jurisdiction the member answers as unknown: it does not tell who is deregistered.
            other = caseworker("nanming", "520102")
            foreign = await http.post("/cases", json=case_body(member_id), headers=other)
            assert foreign.status_code == 422
            assert answer(foreign) == answer(await http.post("/cases", json=case_body(uuid.uuid4()), headers=other))

            # The member's case is kept and still handled.
            assert (await http.get(f"/cases/{case['case_id']}")).json()["status"] == "open"
            accepted = await http.post(f"/cases/{case['case_id']}/accept")
            assert accepted.status_code == 200, accepted.text
            listed = await http.get("/cases", params={"member_id": str(member_id)})
            assert [c["case_id"] for c in listed.json()["items"]] == [case["case_id"]]
    assert await stack.count("SELECT count(*) FROM events WHERE type = 'kite.casework.case-opened.v1'") == 1
