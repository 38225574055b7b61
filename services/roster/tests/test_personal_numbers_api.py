"""Unmasked reads of ID and phone numbers: their own role, the caller's jurisdiction, a reason, and an
append-only record of every read — over real HTTP and PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from kite_common.testing.stack import answer, auth, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县
OTHER_COUNTY = "522632"  # 榕江县


def id_number(seq: int, area: str = COUNTY) -> str:
    first17 = f"{area}19880702{seq:03d}"
    return first17 + check_digit(first17)


def phone(seq: int) -> str:
    return f"139{seq:08d}"


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


async def register(roster, seq: int, county: str = COUNTY) -> str:
    body = {
        "name": "杨秀英",
        "id_number": id_number(seq, county),
        "phone": phone(seq),
        "origin_division_code": f"{county}101001",
        "current_city": "东莞",
        "employer": "东莞某鞋厂",
    }
    async with roster.client(headers=auth(["registrar"], county)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["member_id"])


def reader(jurisdiction: str = COUNTY, subject: str = "pii-desk-1", roles: tuple[str, ...] = ("pii-reader",)):
    return auth(list(roles), jurisdiction, subject=subject)


async def audit_rows(roster) -> list[asyncpg.Record]:
    return await roster.pool.fetch("SELECT * FROM pii_access_log ORDER BY access_id")


async def test_a_pii_reader_sees_the_whole_numbers_and_the_read_is_recorded(roster, caplog):
    caplog.set_level(logging.DEBUG)
    member_id = await register(roster, 1)
    async with roster.client(headers={**reader(), "X-Request-ID": "req-reveal-1"}) as http:
        response = await http.post(
            f"/members/{member_id}/personal-numbers:reveal", json={"reason": "核实工伤赔偿申请人身份"}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id_number"], body["phone"]) == (id_number(1), phone(1))
    assert response.headers["cache-control"] == "no-store"

    [row] = await audit_rows(roster)
    assert str(row["access_id"]) == body["access_id"]
    assert (row["subject"], row["subject_name"], str(row["member_id"])) == ("pii-desk-1", "开发者", member_id)
    assert (row["reason"], row["request_id"], row["fields"]) == (
        "核实工伤赔偿申请人身份",
        "req-reveal-1",
        ["id_number", "phone"],
    )
    assert row["division_code"] == f"{COUNTY}101001"
    assert abs(row["accessed_at"] - datetime.now(UTC)) < timedelta(minutes=1)
    # The record and the logs never hold the numbers, not even their unmasked middle.
    record_text = str(dict(row))
    for secret in (id_number(1), phone(1), id_number(1)[6:14]):
        assert secret not in record_text
        assert secret not in caplog.text


@pytest.mark.parametrize("roles", [("admin",), ("registrar", "viewer", "caseworker")])
async def test_without_the_pii_reader_role_nothing_is_shown_or_recorded(roster, roles):
    member_id = await register(roster, 2)
    async with roster.client(headers=reader(roles=roles)) as http:
        response = await http.post(f"/members/{member_id}/personal-numbers:reveal", json={"reason": "核实身份信息"})
    assert response.status_code == 403
    assert response.json()["type"].endswith("/missing-pii-reader")
    assert id_number(2) not in response.text
    assert await audit_rows(roster) == []


async def test_a_member_outside_the_readers_jurisdiction_answers_as_unknown(roster):
    member_id = await register(roster, 3)
    async with roster.client(headers=reader(jurisdiction=OTHER_COUNTY)) as http:
        response = await http.post(f"/members/{member_id}/personal-numbers:reveal", json={"reason": "核实身份信息"})
        missing = await http.post(f"/members/{uuid.uuid4()}/personal-numbers:reveal", json={"reason": "核实身份信息"})
    assert answer(response) == answer(missing)
    assert missing.status_code == 404
    assert id_number(3) not in response.text
    assert await audit_rows(roster) == []


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": " 核实 "}, {"reason": None}, {"reason": "核实身份", "x": 1}]
)
async def test_a_reason_of_at_least_four_characters_is_required(roster, body):
    member_id = await register(roster, 4)
    async with roster.client(headers=reader()) as http:
        response = await http.post(f"/members/{member_id}/personal-numbers:reveal", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] in ("reason", "x")
    assert await audit_rows(roster) == []


async def test_the_record_cannot_be_changed_or_removed(roster):
    member_id = await register(roster, 5)
    async with roster.client(headers=reader()) as http:
        assert (
            await http.post(f"/members/{member_id}/personal-numbers:reveal", json={"reason": "办理社保转移"})
        ).status_code == 200
    for sql in (
        "UPDATE pii_access_log SET reason = '无'",
        "DELETE FROM pii_access_log",
        "TRUNCATE pii_access_log",
    ):
        with pytest.raises(asyncpg.PostgresError, match="只能追加"):
            await roster.pool.execute(sql)
    [row] = await audit_rows(roster)
    assert row["reason"] == "办理社保转移"


async def test_when_the_record_cannot_be_written_nothing_is_shown(roster):
    member_id = await register(roster, 6)
    await roster.pool.execute(
        """CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$;
           CREATE TRIGGER refuse BEFORE INSERT ON pii_access_log FOR EACH ROW EXECUTE FUNCTION refuse();"""
    )
    async with roster.client(headers=reader()) as http:
        response = await http.post(f"/members/{member_id}/personal-numbers:reveal", json={"reason": "核实身份信息"})
    assert response.status_code == 500
    assert id_number(6) not in response.text and phone(6) not in response.text
    assert await audit_rows(roster) == []


async def test_admins_list_the_records_of_their_jurisdiction_with_filters_and_pages(roster):
    here = [await register(roster, seq) for seq in (7, 8)]
    there = await register(roster, 9, OTHER_COUNTY)
    async with roster.client() as http:
        for member_id, subject in ((here[0], "desk-a"), (here[1], "desk-a"), (here[0], "desk-b"), (here[1], "desk-b")):
            response = await http.post(
                f"/members/{member_id}/personal-numbers:reveal",
                json={"reason": "走访核实联系方式"},
                headers=reader(subject=subject),
            )
            assert response.status_code == 200
        response = await http.post(
            f"/members/{there}/personal-numbers:reveal",
            json={"reason": "走访核实联系方式"},
            headers=reader(OTHER_COUNTY, "desk-c"),
        )
        assert response.status_code == 200

        admin = auth(["admin"], COUNTY)
        everything = (await http.get("/pii-access-log", headers=admin)).json()
        assert [(i["member_id"], i["subject"]) for i in everything["items"]] == [
            (here[1], "desk-b"),
            (here[0], "desk-b"),
            (here[1], "desk-a"),
            (here[0], "desk-a"),
        ]
        assert everything["next_cursor"] is None
        assert all(set(i) >= {"accessed_at", "reason", "subject_name", "request_id"} for i in everything["items"])
        assert all(id_number(s) not in str(everything) for s in (7, 8, 9))

        by_member = (await http.get("/pii-access-log", params={"member_id": here[0]}, headers=admin)).json()
        assert [i["subject"] for i in by_member["items"]] == ["desk-b", "desk-a"]
        by_subject = (await http.get("/pii-access-log", params={"subject": "desk-a"}, headers=admin)).json()
        assert [i["member_id"] for i in by_subject["items"]] == [here[1], here[0]]

        first_time = everything["items"][-1]["accessed_at"]
        after_first = (await http.get("/pii-access-log", params={"since": first_time}, headers=admin)).json()
        assert len(after_first["items"]) == 4
        before_first = (await http.get("/pii-access-log", params={"until": first_time}, headers=admin)).json()
        assert before_first["items"] == []

        seen, cursor = [], None
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = (await http.get("/pii-access-log", params=params, headers=admin)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == everything["items"]

        elsewhere = (await http.get("/pii-access-log", headers=auth(["admin"], OTHER_COUNTY))).json()
        assert [i["subject"] for i in elsewhere["items"]] == ["desk-c"]
        assert len((await http.get("/pii-access-log", headers=auth(["admin"], ""))).json()["items"]) == 5
        assert (await http.get("/pii-access-log", headers=reader())).status_code == 403
        assert (await http.get("/pii-access-log", params={"cursor": "!!"}, headers=admin)).status_code == 400
