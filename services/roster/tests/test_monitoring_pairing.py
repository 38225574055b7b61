"""结对帮扶 over real HTTP and PostgreSQL: the pairing rules as data (named in Chinese when broken), one
cadre per household, unpairing and re-pairing with history, and the county's pairing proposal."""

from __future__ import annotations

from collections import Counter

import pytest
from kite_common.clock import utcnow
from kite_common.testing.stack import auth, running
from kite_roster.service import SERVICE

COUNTY = "530621"
TOWNSHIP = f"{COUNTY}101"
V1, V2, V3 = f"{TOWNSHIP}001", f"{TOWNSHIP}002", f"{COUNTY}102001"
REGISTRAR = auth(["registrar"], COUNTY)
OTHER_REGISTRAR = auth(["registrar"], "530622")
YEAR = utcnow().year - 1
LEADING_RULE = "科级及以上领导干部结对帮扶年人均纯收入6000—10000元的农村家庭4户"
ORDINARY_RULE = "一般干部结对帮扶年人均纯收入8000—10000元的农村家庭3户"


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


async def household(http, village: str, per_capita_yuan: int | None) -> str:  # type: ignore[no-untyped-def]
    created = await http.post("/households", json={"division_code": village, "head_name": "户主"})
    assert created.status_code == 201, created.text
    hid = str(created.json()["household_id"])
    if per_capita_yuan is not None:
        body = {"year": YEAR, "total_income": str(per_capita_yuan * 2), "household_size": 2}
        assert (await http.post(f"/households/{hid}/income-reports", json=body)).status_code == 201
    return hid


async def cadre(http, rank: str, organisation_code: str, name: str = "干部") -> str:  # type: ignore[no-untyped-def]
    body = {"name": name, "rank": rank, "organisation": "县乡村振兴局", "organisation_code": organisation_code}
    created = await http.post("/monitoring/cadres", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["cadre_id"])


def pairs(*items: tuple[str, str]) -> dict[str, object]:
    return {"pairs": [{"cadre_id": c, "household_id": h} for c, h in items]}


async def test_pairing_rules_are_checked_and_named_when_broken(roster):
    async with roster.client(headers=REGISTRAR) as http:
        leading = await cadre(http, "leading", TOWNSHIP)
        ordinary = await cadre(http, "ordinary", V1)
        helper = await cadre(http, "social-force", V1)
        in_band = [await household(http, V1, 7000 + 500 * i) for i in range(5)]
        rich = await household(http, V1, 12000)
        no_income = await household(http, V1, None)

        ok = await http.post("/monitoring/pairings", json=pairs(*((leading, h) for h in in_band[:4])))
        assert ok.status_code == 204, ok.text
        fifth = await http.post("/monitoring/pairings", json=pairs((leading, in_band[4])))
        assert fifth.status_code == 422
        assert fifth.json()["detail"] == f"违反结对规则「{LEADING_RULE}」：该帮扶人已结对4户，已达上限4户"

        low = await http.post("/monitoring/pairings", json=pairs((ordinary, in_band[4])))  # 9,000 fits …
        assert low.status_code == 204
        seven = await household(http, V1, 7000)  # … 7,000 does not fit the ordinary band
        refused = await http.post("/monitoring/pairings", json=pairs((ordinary, seven)))
        assert refused.status_code == 422
        assert (
            refused.json()["detail"]
            == f"违反结对规则「{ORDINARY_RULE}」：该户年人均纯收入7000元，不在8000—10000元范围内"
        )
        unknown = await http.post("/monitoring/pairings", json=pairs((ordinary, no_income)))
        assert unknown.status_code == 422 and ORDINARY_RULE in unknown.json()["detail"]

        # a batch with one broken pairing writes nothing
        nine = await household(http, V1, 9000)
        batch = await http.post("/monitoring/pairings", json=pairs((ordinary, nine), (ordinary, rich)))
        assert batch.status_code == 422 and "12000元" in batch.json()["detail"]
        assert (await http.get(f"/monitoring/cadres/{ordinary}")).json()["load"] == 1

        # social forces pair without a rule; a household has one cadre at a time
        assert (await http.post("/monitoring/pairings", json=pairs((helper, rich)))).status_code == 204
        taken = await http.post("/monitoring/pairings", json=pairs((ordinary, rich)))
        assert taken.status_code == 409

        # unpairing keeps the history, re-pairing adds to it
        end = {"cadre_id": helper, "household_id": rich, "reason": "帮扶人工作调动"}
        assert (await http.post("/monitoring/pairings/end", json=end)).status_code == 204
        again = await cadre(http, "task-force", COUNTY, "县级专班")
        assert (await http.post("/monitoring/pairings", json=pairs((again, rich)))).status_code == 204
        history = (await http.get(f"/monitoring/households/{rich}")).json()["pairings"]
        assert [(p["cadre_id"], p["end_reason"]) for p in history] == [(helper, "帮扶人工作调动"), (again, None)]
        assert history[0]["ended_on"] is not None and history[1]["ended_on"] is None
        assert (await http.post("/monitoring/pairings/end", json=end)).status_code == 409

        # outside the jurisdiction: no cadre registered there, none seen
        outside = {"name": "外县", "rank": "ordinary", "organisation": "外县单位", "organisation_code": "530622"}
        assert (await http.post("/monitoring/cadres", json=outside)).status_code == 403
        assert (await http.get(f"/monitoring/cadres/{leading}", headers=OTHER_REGISTRAR)).status_code == 404
        foreign = await http.post("/monitoring/pairings", json=pairs((leading, rich)), headers=OTHER_REGISTRAR)
        assert foreign.status_code == 404


async def test_the_proposal_respects_the_rules_prefers_the_nearest_organisation_and_is_confirmed(roster):
    async with roster.client(headers=REGISTRAR) as http:
        village_ordinary = await cadre(http, "ordinary", V1)
        township_leading = await cadre(http, "leading", TOWNSHIP)
        other_township = await cadre(http, "ordinary", f"{COUNTY}102")
        band = {}
        for village, incomes in ((V1, (9000, 9500, 8500, 8800, 7000)), (V2, (6500, 9900, 12000)), (V3, (8100,))):
            for yuan in incomes:
                band[await household(http, village, yuan)] = (village, yuan)
        already = await household(http, V3, 9000)
        assert (await http.post("/monitoring/pairings", json=pairs((other_township, already)))).status_code == 204

        proposal = await http.get("/monitoring/pairing-proposal", params={"county": COUNTY, "year": YEAR})
        assert proposal.status_code == 200, proposal.text
        items = proposal.json()["items"]
        by_household = {i["household_id"]: i for i in items}
        load = Counter(i["cadre_id"] for i in items)
        # the village's ordinary cadre takes three of its village's 8,000–10,000 households (lowest first)
        assert sorted(band[h][1] for h, i in by_household.items() if i["cadre_id"] == village_ordinary) == [
            8500, 8800, 9000,
        ]  # fmt: skip
        assert all(by_household[h]["level"] == 12 for h, i in by_household.items() if i["cadre_id"] == village_ordinary)
        # the township's leading cadre takes four of what is left in 6,000–10,000 of its township
        assert load[township_leading] == 4
        assert {band[h][1] for h, i in by_household.items() if i["cadre_id"] == township_leading} == {
            7000, 9500, 6500, 9900,
        }  # fmt: skip
        # the other township's cadre takes its own village's household; nobody gets 12,000 or the paired one
        assert load[other_township] == 1 and already not in by_household
        assert all(band[h][1] != 12000 for h in by_household)
        assert proposal.json()["total"] == 8

        # a person confirms the proposal: it is paired through the same rules
        confirmed = await http.post(
            "/monitoring/pairings", json=pairs(*((i["cadre_id"], i["household_id"]) for i in items))
        )
        assert confirmed.status_code == 204, confirmed.text
        rest = await http.get("/monitoring/pairing-proposal", params={"county": COUNTY, "year": YEAR})
        assert rest.json()["items"] == []
        outside = await http.get("/monitoring/pairing-proposal", params={"county": "530622", "year": YEAR})
        assert outside.status_code == 403
