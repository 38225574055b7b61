"""The ledgers of one named office (服务站 / 驻外服务站) besides its place, over real HTTP and PostgreSQL:
a case or a proxy service credited to an office counts in `?office=`; an unknown office or one outside
the jurisdiction is refused in Chinese and changes nothing; the counts survive a redelivery of every
event and a rebuild."""

from __future__ import annotations

from typing import Any

from kite_casework.service import SERVICE as CASEWORK
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import auth, eventually

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker, log_settled
from .test_certificates_api import work_body
from .test_service_ledger import MONTHS, TODAY, redeliver_every_event

STATION_PLACE = f"{COUNTY}101001"


async def office_ledger(http, kind: str, office: str, who: str = COUNTY) -> Any:  # type: ignore[no-untyped-def]
    return await http.get(f"/ledgers/{kind}", params={"office": office} | MONTHS, headers=caseworker("lead", who))


async def test_a_named_office_has_its_own_ledgers(stack):  # type: ignore[no-untyped-def]
    member = await stack.register_member(71)
    async with stack.roster.client(headers=auth(["party-affairs"], COUNTY)) as http:
        committee = (
            await http.post(
                "/organisations",
                json={"name": "中共黎平县委员会", "kind": "party-committee", "division_code": f"{COUNTY}000000"},
            )
        ).json()["organisation_id"]
        body = {
            "name": "驻杭服务站",
            "kind": "service-station",
            "division_code": STATION_PLACE,
            "parent_id": committee,
            "host_city": "杭州",
        }
        registered = await http.post("/organisations", json=body)
        assert registered.status_code == 201, registered.text
        station = registered.json()["organisation_id"]
    pool = stack.casework.pool
    await eventually(lambda: pool.fetchval("SELECT true FROM case_offices WHERE office_id = $1", station))

    async with stack.casework.client() as http:
        taken = []
        for _ in range(2):
            opened = await http.post("/cases", json=case_body(member, office_id=station), headers=caseworker())
            assert opened.status_code == 201, opened.text
            taken.append(opened.json()["case_id"])
        elsewhere = await http.post("/cases", json=case_body(member), headers=caseworker())
        assert elsewhere.status_code == 201, elsewhere.text
        accepted = await http.post(f"/cases/{taken[0]}/accept", headers=caseworker("owner"))
        assert accepted.status_code == 200, accepted.text
        proxy = {"matter": "documents", "done_on": TODAY, "note": "已代为办理", "office_id": station}
        done = await http.post(f"/cases/{taken[0]}/proxy-services", json=proxy, headers=caseworker("owner"))
        assert done.status_code == 201, done.text

        # Bad offices: unknown, or outside the caller's jurisdiction — refused, nothing opened.
        cases = await pool.fetchval("SELECT count(*) FROM cases")
        unknown = case_body(member, office_id="00000000-0000-4000-8000-000000000000")
        for body, who in (
            (unknown, COUNTY),
            (case_body(member, office_id=station, work_division_code=OTHER_COUNTY), OTHER_COUNTY),
        ):
            refused = await http.post("/cases", json=body, headers=caseworker("d", who))
            assert refused.status_code == 422, refused.text
            assert refused.json()["type"].endswith("/unknown-office") and "受理单位" in refused.json()["detail"]
        assert await pool.fetchval("SELECT count(*) FROM cases") == cases

        # A certificate the station issues counts in its ledger; one naming an unknown office is refused.
        issued = await http.post("/certificates", json=work_body(member, office_id=station), headers=caseworker())
        assert issued.status_code == 201, issued.text
        certificates = await pool.fetchval("SELECT count(*) FROM certificates")
        refused = await http.post(
            "/certificates", json=work_body(member, office_id=unknown["office_id"]), headers=caseworker()
        )
        assert refused.status_code == 422 and refused.json()["type"].endswith("/unknown-office"), refused.text
        assert await pool.fetchval("SELECT count(*) FROM certificates") == certificates

        async def read() -> tuple[Any, Any]:
            service = await office_ledger(http, "service", station)
            proxies = await office_ledger(http, "proxy", station)
            assert service.status_code == proxies.status_code == 200, (service.text, proxies.text)
            return service.json(), proxies.json()

        service, proxies = await read()
        assert (service["office_name"], service["area"]) == ("驻杭服务站", STATION_PLACE)
        ((row,),) = (service["rows"],)
        assert row["cases"] == 2 and row["by_status"]["open"] == 1 and row["by_status"]["accepted"] == 1
        assert row["division_code"] == STATION_PLACE and service["totals"] == service["rows"]
        assert row["certificates_issued"] == 1
        assert [(r["services"], r["by_matter"]) for r in proxies["rows"]] == [(1, {"documents": 1})]

        outside = await office_ledger(http, "service", station, who=OTHER_COUNTY)
        assert outside.status_code == 404 and outside.json()["type"].endswith("/office-not-found")
        csv = await http.get(
            "/ledgers/service", params={"office": station, "format": "csv"} | MONTHS, headers=caseworker("lead")
        )
        assert csv.status_code == 200 and "驻杭服务站" in csv.content.decode("utf-8-sig")

        await log_settled(pool)
        await redeliver_every_event(pool)
        assert await read() == (service, proxies)
        async with pool.acquire() as conn:
            await rebuild_projections(conn, CASEWORK)
        assert await read() == (service, proxies)
