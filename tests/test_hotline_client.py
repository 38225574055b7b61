"""Done means (issue 15): a hotline system, registered as a client, takes a token by client
credentials, opens a case, follows the case's events through the HTTP feed until it is closed, and
is refused outside its scopes and jurisdiction — all over real HTTP, PostgreSQL and the broker.

The casework intake by external reference (idempotent) is being built beside this; until it is on
main the hotline opens the case with the plain `POST /cases`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from kite_casework.service import SERVICE as CASEWORK
from kite_common.testing.oauth_client import ClientSystem
from kite_common.testing.stack import auth, eventually, running
from kite_identity.service import SERVICE as IDENTITY
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit

COUNTY, OTHER_COUNTY = "522631", "520102"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


async def register_member(roster, casework, seq: int, area: str) -> str:
    body = {
        "name": "陈贵友",
        "id_number": id_number(seq, area),
        "phone": f"139{seq:08d}",
        "origin_division_code": f"{area}101001",
        "current_city": "无锡",
    }
    async with roster.client(headers=auth(["registrar"], area)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    member_id = created.json()["member_id"]
    pool = casework.pool
    await eventually(
        lambda: pool.fetchval("SELECT true FROM member_directory WHERE member_id = $1", uuid.UUID(member_id))
    )
    return str(member_id)


async def take_token(identity, system: ClientSystem, client_id: str, scope: str | None = None) -> dict[str, str]:
    async with identity.client() as http:
        form = system.token_form(client_id, f"{identity.base_url}/oauth/token", scope=scope)
        r = await http.post("/oauth/token", data=form, headers=FORM)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def step(http: httpx.AsyncClient, case: dict[str, Any], verb: str, body: dict[str, Any] | None = None) -> dict:
    headers = auth(["caseworker"], COUNTY, subject="wang") | {"If-Match": f'"{case["version"]}"'}
    r = await http.post(f"/cases/{case['case_id']}/{verb}", json=body, headers=headers)
    assert r.status_code == 200, (verb, r.text)
    return dict(r.json())


@pytest.fixture
def hotline():
    system = ClientSystem(kid="hotline-2026")
    yield system
    system.close()


async def test_a_hotline_system_opens_a_case_and_follows_it_to_closed_through_the_feed(
    infra, prefix, hotline, monkeypatch
):
    async with running(infra, IDENTITY, prefix, roles=("api",)) as identity:
        # Every service trusts Kite's own tokens through the identity service's JWKS.
        monkeypatch.setenv("KITE_AUTH_JWKS_URL", f"{identity.base_url}/.well-known/jwks.json")
        async with (
            running(infra, ROSTER, prefix, roles=("api", "relay")) as roster,
            running(infra, CASEWORK, prefix) as casework,
        ):
            async with identity.client() as http:
                registered = await http.post(
                    "/clients",
                    json={
                        "name": "hotline-12345",
                        "auth_method": "private_key_jwt",
                        "jwks_url": hotline.jwks_url,
                        "scopes": ["casework:write", "casework:read", "casework:events"],
                        "roles": ["caseworker"],
                        "jurisdiction": COUNTY,
                    },
                    headers=auth(["admin"], COUNTY),
                )
            assert registered.status_code == 201, registered.text
            client_id = registered.json()["client_id"]
            member = await register_member(roster, casework, 31, COUNTY)
            outsider = await register_member(roster, casework, 32, OTHER_COUNTY)

            token = await take_token(identity, hotline, client_id)
            async with casework.client(headers=token) as http:
                body = {
                    "member_id": member,
                    "category": "wage_arrears",
                    "urgency": "normal",
                    "description": "12345 转办：欠薪",
                }
                opened = await http.post("/cases", json=body)
                assert opened.status_code == 201, opened.text
                case = opened.json()
                assert case["opened_by"] == "client:hotline-12345"  # attributed to the client

                # Refused outside its jurisdiction: a member of another county is as unknown.
                elsewhere = await http.post("/cases", json={**body, "member_id": outsider})
                unknown = await http.post("/cases", json={**body, "member_id": str(uuid.uuid4())})
                assert (elsewhere.status_code, elsewhere.json()["type"]) == (
                    422,
                    "https://kite.gov.cn/problems/member-unknown",
                )
                assert elsewhere.json()["detail"] == unknown.json()["detail"]

            # Staff of the county work the case to its end; another county opens a case of its own.
            async with casework.client() as staff:
                theirs = await staff.post(
                    "/cases",
                    json={**body, "member_id": outsider},
                    headers=auth(["caseworker"], OTHER_COUNTY, subject="li"),
                )
                assert theirs.status_code == 201, theirs.text
                case = await step(staff, case, "accept")
                case = await step(staff, case, "progress", {"note": "已联系用人单位"})
                case = await step(staff, case, "resolve", {"outcome": "resolved", "summary": "工资已付清"})
                case = await step(staff, case, "follow-ups", {"reached": True, "satisfaction": "satisfied"})
                assert case["status"] == "closed"

            # The hotline follows the feed from the beginning until its case is closed.
            seen: list[dict[str, Any]] = []
            position = None
            async with casework.client(headers=token) as feed:
                while not any(e["type"] == "kite.casework.case-closed.v1" for e in seen):
                    params: dict[str, Any] = {"wait": 10, "limit": 50}
                    if position:
                        params["after"] = position
                    page = await feed.get("/events", params=params)
                    assert page.status_code == 200, page.text
                    seen += [e for e in page.json()["events"] if e["subject"] == f"case-{case['case_id']}"]
                    position = page.json()["next"]
                    assert len(seen) < 100
                assert [e["type"].split(".")[2] for e in seen] == [
                    "case-opened",
                    "case-accepted",
                    "case-progress-noted",
                    "case-resolved",
                    "case-follow-up-recorded",
                    "case-closed",
                ]
                assert seen[0]["actor"] == "client:hotline-12345" and seen[1]["actor"] == "wang"
                assert {e["jurisdiction"] for e in seen} == {f"{COUNTY}101001"}
                everything = (await feed.get("/events", params={"limit": 500})).json()["events"]
                assert f"case-{theirs.json()['case_id']}" not in {e["subject"] for e in everything}
                assert all(e["jurisdiction"].startswith(COUNTY) for e in everything)

                # Refused outside its scopes: another service, and a token without write.
                async with roster.client(headers=token) as other:
                    members = await other.get("/members")
                    assert (members.status_code, members.json()["type"]) == (
                        403,
                        "https://kite.gov.cn/problems/missing-scope",
                    )
                read_only = await take_token(identity, hotline, client_id, scope="casework:events")
                write = await feed.post("/cases", json=body, headers=read_only)
                assert (write.status_code, write.json()["type"]) == (403, "https://kite.gov.cn/problems/missing-scope")
                assert (await feed.get(f"/cases/{case['case_id']}", headers=read_only)).status_code == 403
                assert (await feed.get("/events", headers=read_only)).status_code == 200
