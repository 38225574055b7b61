"""Organisations over real HTTP and PostgreSQL: the tree (党委/党总支/党支部, 驻外流动党支部, 乡镇, 村),
contacts with encrypted phones, If-Match, moves without cycles, dissolution, jurisdiction."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import answer, auth, running
from kite_roster.service import SERVICE

COUNTY = "522631"  # 黎平县
COUNTY_CODE = f"{COUNTY}000000"
TOWN = f"{COUNTY}101000"
VILLAGE = f"{COUNTY}101001"
OTHER_COUNTY = "520102"  # 南明区
PARTY = auth(["party-affairs"], COUNTY)
OTHER = auth(["party-affairs"], OTHER_COUNTY)
PHONE = "13812345678"


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


def org(name: str, kind: str, division_code: str = COUNTY_CODE, **fields: object) -> dict[str, object]:
    return {"name": name, "kind": kind, "division_code": division_code, **fields}


async def create(http, body: dict[str, object]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = await http.post("/organisations", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def events(roster) -> int:  # type: ignore[no-untyped-def]
    return await roster.pool.fetchval("SELECT count(*) FROM events")  # type: ignore[no-any-return]


async def tree(http) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    """县委 ─┬─ 镇 ── 村
    ├─ 驻杭流动党员党委 ── 驻杭流动党支部
    └─ 城关党总支 ── 城关第一支部"""
    committee = await create(http, org("黎平县委", "party-committee"))
    town = await create(http, org("德凤镇", "township", TOWN, parent_id=committee["organisation_id"]))
    village = await create(http, org("某村", "village", VILLAGE, parent_id=town["organisation_id"]))
    outstation = await create(
        http, org("黎平县驻杭流动党员党委", "party-committee", host_city="杭州", parent_id=committee["organisation_id"])
    )
    branch = await create(
        http,
        org(
            "黎平县驻杭流动党支部",
            "outstation-branch",
            host_city="杭州",
            parent_id=outstation["organisation_id"],
            contacts=[{"name": "吴书记", "role": "支部书记", "phone": PHONE}],
        ),
    )
    general = await create(http, org("城关党总支", "general-branch", parent_id=committee["organisation_id"]))
    first = await create(http, org("城关第一支部", "branch", parent_id=general["organisation_id"]))
    return {
        "committee": committee,
        "town": town,
        "village": village,
        "outstation": outstation,
        "branch": branch,
        "general": general,
        "first": first,
    }


def ids(page: dict[str, object]) -> set[str]:
    return {item["organisation_id"] for item in page["items"]}  # type: ignore[index, union-attr]


async def test_a_tree_is_registered_read_and_listed_with_contact_phones_masked(roster):
    async with roster.client(headers=PARTY) as http:
        t = await tree(http)
        branch = t["branch"]
        assert branch["kind_label"] == "驻外流动党支部" and branch["host_city"] == "杭州"
        assert branch["parent_name"] == "黎平县驻杭流动党员党委" and branch["depth"] == 3
        [contact] = branch["contacts"]
        assert (contact["name"], contact["role"], contact["phone"]) == ("吴书记", "支部书记", "138****5678")

        got = await http.get(f"/organisations/{t['committee']['organisation_id']}")
        assert got.status_code == 200 and got.headers["etag"] == '"1"'
        assert got.json()["children_count"] == 3 and got.json()["depth"] == 1

        def listing(**params: object):  # type: ignore[no-untyped-def]
            return http.get("/organisations", params=params)

        assert len((await listing()).json()["items"]) == 7
        assert ids((await listing(kind="outstation-branch")).json()) == {branch["organisation_id"]}
        assert ids((await listing(host_city="杭州")).json()) == {
            branch["organisation_id"],
            t["outstation"]["organisation_id"],
        }
        assert ids((await listing(division=TOWN[:9])).json()) == {
            t["town"]["organisation_id"],
            t["village"]["organisation_id"],
        }
        assert ids((await listing(parent=t["general"]["organisation_id"])).json()) == {t["first"]["organisation_id"]}
        assert ids((await listing(within=t["outstation"]["organisation_id"])).json()) == {
            t["outstation"]["organisation_id"],
            branch["organisation_id"],
        }

        seen, cursor = [], None
        while True:
            page = (await listing(limit=3, **({"cursor": cursor} if cursor else {}))).json()
            seen += [o["organisation_id"] for o in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert len(seen) == len(set(seen)) == 7

    stored = await roster.pool.fetchval("SELECT string_agg(t::text, '|') FROM organisation_contact_pii t")
    dumped = await roster.pool.fetchval("SELECT string_agg(data::text, '|') FROM events")
    assert PHONE not in stored and PHONE not in dumped and "吴书记" in dumped


async def test_an_edit_needs_the_current_version_and_keeps_a_phone_unless_a_new_one_is_given(roster):
    async with roster.client(headers=PARTY) as http:
        t = await tree(http)
        branch = t["branch"]
        url = f"/organisations/{branch['organisation_id']}"
        contact_id = branch["contacts"][0]["contact_id"]
        edit = {
            "name": "黎平县驻杭州流动党员党支部",
            "host_city": "杭州",
            "contacts": [
                {"contact_id": contact_id, "name": "吴书记", "role": "支部书记"},
                {"name": "杨站长", "role": "联络员", "phone": "13900001111"},
            ],
        }
        changed = await http.put(url, json=edit, headers={"If-Match": '"1"'})
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] == '"2"'
        body = changed.json()
        assert body["name"] == "黎平县驻杭州流动党员党支部"
        assert [c["phone"] for c in body["contacts"]] == ["138****5678", "139****1111"]

        before = await events(roster)
        stale = await http.put(url, json={**edit, "name": "别的名字"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.json()["type"].endswith("/stale-version")
        assert stale.json()["current_version"] == 2
        assert (await http.get(url)).json()["name"] == "黎平县驻杭州流动党员党支部"
        assert await events(roster) == before

        phone_only = {**edit, "contacts": [{"contact_id": contact_id, "name": "吴书记", "role": "支部书记",
                                            "phone": "13700002222"}]}  # fmt: skip
        changed = await http.put(url, json=phone_only, headers={"If-Match": '"2"'})
        assert changed.status_code == 200 and changed.headers["etag"] == '"3"'
        assert [c["phone"] for c in changed.json()["contacts"]] == ["137****2222"]
        assert await roster.pool.fetchval("SELECT count(*) FROM organisation_contact_pii") == 1

        unchanged = await http.put(url, json=phone_only)
        assert unchanged.status_code == 200 and unchanged.headers["etag"] == '"3"'

        unknown = await http.put(
            url, json={**edit, "contacts": [{"contact_id": t["village"]["organisation_id"], "name": "x", "role": "y"}]}
        )
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "contacts.0.contact_id"


async def test_a_move_takes_the_whole_subtree_and_a_cycle_is_refused(roster):
    async with roster.client(headers=PARTY) as http:
        t = await tree(http)
        general, first, outstation = t["general"], t["first"], t["outstation"]
        moved = await http.post(
            f"/organisations/{general['organisation_id']}/move",
            json={"parent_id": outstation["organisation_id"]},
            headers={"If-Match": '"1"'},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["parent_id"] == outstation["organisation_id"] and moved.json()["depth"] == 3
        assert (await http.get(f"/organisations/{first['organisation_id']}")).json()["depth"] == 4
        subtree = (await http.get("/organisations", params={"within": outstation["organisation_id"]})).json()
        assert ids(subtree) == {
            outstation["organisation_id"],
            t["branch"]["organisation_id"],
            general["organisation_id"],
            first["organisation_id"],
        }

        before = await events(roster)
        paths = await roster.pool.fetch("SELECT organisation_id, path FROM organisations ORDER BY organisation_id")
        cycle = await http.post(
            f"/organisations/{t['committee']['organisation_id']}/move", json={"parent_id": first["organisation_id"]}
        )
        assert cycle.status_code == 422 and cycle.json()["type"].endswith("/cycle")
        assert cycle.json()["errors"][0]["field"] == "parent_id"
        unknown = await http.post(
            f"/organisations/{first['organisation_id']}/move",
            json={"parent_id": "0190a0a0-0000-7000-8000-000000000000"},
        )
        assert unknown.status_code == 422 and unknown.json()["type"].endswith("/parent-not-found")
        stale = await http.post(
            f"/organisations/{general['organisation_id']}/move",
            json={"parent_id": t["committee"]["organisation_id"]},
            headers={"If-Match": '"1"'},
        )
        assert stale.status_code == 412
        assert await events(roster) == before
        assert (
            await roster.pool.fetch("SELECT organisation_id, path FROM organisations ORDER BY organisation_id") == paths
        )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (org("某支部", "branch"), "parent-required"),
        (org("某支部", "outstation-branch", parent="committee"), "host-city-required"),
        (org("某村", "village", VILLAGE, parent="committee"), "parent-kind"),
        (org("某村", "village", TOWN, parent="town"), "division-level"),
        (org("邻镇支部", "branch", f"{COUNTY}102001", parent="town"), "outside-parent-area"),
        (org("某支部", "branch", "52263110100", parent="committee"), "validation"),
        (org("某支部", "branch", "999999000000", parent="committee"), "validation"),
        (
            org("某支部", "branch", parent="committee", contacts=[{"name": "a", "role": "b", "phone": "123"}]),
            "validation",
        ),
        (org("某支部", "branch", parent="committee", contacts=[{"name": "a", "role": "b"}]), "phone-required"),
        (org("某支部", "branch", parent_id="0190a0a0-0000-7000-8000-000000000000"), "parent-not-found"),
        (org("某支部", "party-school", parent="committee"), "validation"),
    ],
)
async def test_bad_input_is_a_problem_and_stores_nothing(roster, body, code):
    async with roster.client(headers=PARTY) as http:
        committee = await create(http, org("黎平县委", "party-committee"))
        town = await create(http, org("德凤镇", "township", TOWN, parent_id=committee["organisation_id"]))
        parents = {"committee": committee, "town": town}
        body = dict(body)
        if (parent := body.pop("parent", None)) is not None:
            body["parent_id"] = parents[parent]["organisation_id"]  # type: ignore[index]
        before = await events(roster)
        response = await http.post("/organisations", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/" + code)
    assert await events(roster) == before
    assert await roster.pool.fetchval("SELECT count(*) FROM organisations") == 2
    assert await roster.pool.fetchval("SELECT count(*) FROM organisation_contact_pii") == 0


async def test_outside_the_jurisdiction_answers_as_unknown_and_is_not_listed(roster):
    async with roster.client(headers=PARTY) as http:
        t = await tree(http)
    committee_id = t["committee"]["organisation_id"]
    before = await events(roster)
    async with roster.client(headers=OTHER) as http:
        rename = {"name": "x", "host_city": None, "contacts": []}
        dissolve = {"dissolved_on": "2026-01-01", "reason": "x"}
        for method, path, body in (
            ("GET", "/organisations/{}", None),
            ("GET", "/organisations/{}/members", None),
            ("PUT", "/organisations/{}", rename),
            ("POST", "/organisations/{}/dissolve", dissolve),
        ):
            theirs = await http.request(method, path.format(committee_id), json=body)
            nobodys = await http.request(method, path.format(uuid.uuid4()), json=body)
            assert theirs.status_code == 404, (method, path, theirs.text)
            assert answer(theirs) == answer(nobodys), (method, path)
        assert (await http.get("/organisations")).json()["items"] == []
        assert (await http.post("/organisations", json=org("黎平县委", "party-committee"))).status_code == 403
        # Hung under another county's organisation: as under one that does not exist (422, parent_id).
        under = await http.post(
            "/organisations", json=org("南明区某支部", "branch", "520102001001", parent_id=committee_id)
        )
        nowhere = await http.post(
            "/organisations", json=org("南明区某支部", "branch", "520102001001", parent_id=str(uuid.uuid4()))
        )
        assert under.status_code == 422 and under.json()["errors"][0]["field"] == "parent_id"
        assert answer(under) == answer(nowhere)
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        assert (await http.get(f"/organisations/{committee_id}")).status_code == 200
        assert (await http.post("/organisations", json=org("黎平县委", "party-committee"))).status_code == 403
    assert await events(roster) == before


async def test_dissolution_waits_for_the_children_and_hides_the_organisation_from_lists(roster):
    async with roster.client(headers=PARTY) as http:
        t = await tree(http)
        general, first = t["general"]["organisation_id"], t["first"]["organisation_id"]
        body = {"dissolved_on": "2026-01-05", "reason": "并入驻杭流动党员党委"}
        busy = await http.post(f"/organisations/{general}/dissolve", json=body)
        assert busy.status_code == 409 and busy.json()["type"].endswith("/has-children")
        gone = await http.post(f"/organisations/{first}/dissolve", json=body, headers={"If-Match": '"1"'})
        assert gone.status_code == 200, gone.text
        assert gone.json()["dissolved"] is True and gone.json()["dissolved_reason"] == "并入驻杭流动党员党委"
        assert (await http.post(f"/organisations/{general}/dissolve", json=body)).status_code == 200
        listed = ids((await http.get("/organisations")).json())
        assert first not in listed and general not in listed
        assert {first, general} <= ids((await http.get("/organisations", params={"include_dissolved": "true"})).json())
        under = org("新支部", "branch", parent_id=general)
        assert (await http.post("/organisations", json=under)).json()["type"].endswith("/parent-dissolved")


async def test_the_rebuilt_organisation_tree_equals_the_live_one(roster):
    async with roster.client(headers=PARTY) as http:
        t = await tree(http)
        await http.post(
            f"/organisations/{t['general']['organisation_id']}/move",
            json={"parent_id": t["outstation"]["organisation_id"]},
        )
        await http.put(
            f"/organisations/{t['town']['organisation_id']}",
            json={"name": "德凤街道", "contacts": [{"name": "镇长", "role": "镇长", "phone": "13600000000"}]},
        )
    live = await roster.pool.fetch("SELECT * FROM organisations ORDER BY organisation_id")
    phones = await roster.pool.fetch("SELECT * FROM organisation_contact_pii ORDER BY contact_id")
    async with roster.pool.acquire() as conn:
        await conn.execute("UPDATE organisations SET path = 'drift/' || organisation_id, depth = 0")
        await rebuild_projections(conn, SERVICE)
    assert await roster.pool.fetch("SELECT * FROM organisations ORDER BY organisation_id") == live
    assert await roster.pool.fetch("SELECT * FROM organisation_contact_pii ORDER BY contact_id") == phones


async def test_two_crossing_moves_at_once_never_make_a_cycle(roster):
    async with roster.client(headers=PARTY) as http:
        root = await create(http, org("黎平县委", "party-committee"))
        a = await create(http, org("甲党委", "party-committee", parent_id=root["organisation_id"]))
        b = await create(http, org("乙党委", "party-committee", parent_id=root["organisation_id"]))
        results = await asyncio.gather(
            http.post(f"/organisations/{a['organisation_id']}/move", json={"parent_id": b["organisation_id"]}),
            http.post(f"/organisations/{b['organisation_id']}/move", json={"parent_id": a["organisation_id"]}),
        )
    assert sorted(r.status_code for r in results) == [200, 422]
    loser = next(r for r in results if r.status_code == 422)
    assert loser.json()["type"].endswith("/cycle")
    parents = dict(await roster.pool.fetch("SELECT organisation_id, parent_id FROM organisations"))
    assert await roster.pool.fetchval("SELECT count(*) FROM events WHERE type LIKE '%organisation-moved%'") == 1
    moved, stayed = (a, b) if results[0].status_code == 200 else (b, a)
    assert str(parents[uuid.UUID(moved["organisation_id"])]) == stayed["organisation_id"]
    assert str(parents[uuid.UUID(stayed["organisation_id"])]) == root["organisation_id"]
