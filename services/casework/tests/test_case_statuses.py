"""GET /ledgers/service/statuses over real HTTP and PostgreSQL: an area's cases by status now, read from
the service ledger's counters, equal what listing the cases (GET /cases?status=…) finds for a caller of
that area — a case seen from its home place and from its work place, once each; outside the
jurisdiction it is refused, and an area that is no place is a problem detail."""

from __future__ import annotations

from typing import Any

from kite_common.testing.stack import auth

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker

HANGZHOU = "3301"
STATUSES = ("open", "accepted", "in_progress", "resolved", "reopened", "closed")


async def _listed(http, jurisdiction: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The cases a caseworker of `jurisdiction` finds per status by listing them, page after page."""
    counts = {}
    for status in STATUSES:
        n, cursor = 0, None
        while True:
            params: dict[str, Any] = {"status": status, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/cases", params=params, headers=caseworker("lister", jurisdiction))).json()
            n += len(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        counts[status] = n
    return counts


async def test_status_counts_equal_the_listed_cases(stack) -> None:  # type: ignore[no-untyped-def]
    ours = await stack.register_member(61)
    theirs = await stack.register_member(62, origin=f"{OTHER_COUNTY}001001")
    async with stack.casework.client() as http:

        async def opened(body: dict[str, object]) -> str:
            created = await http.post("/cases", json=body, headers=caseworker("desk", "52"))
            assert created.status_code == 201, created.text
            case_id: str = created.json()["case_id"]
            return case_id

        mine = [await opened(case_body(ours)) for _ in range(4)]
        await opened(case_body(theirs))  # another county's: not ours
        await opened(case_body(theirs, work_division_code=COUNTY))  # works here: ours too
        await opened(case_body(ours, work_division_code=HANGZHOU))  # ours, and 杭州's
        for case_id in mine[:2]:
            accepted = await http.post(f"/cases/{case_id}/accept", headers=caseworker("owner"))
            assert accepted.status_code == 200, accepted.text
        resolved = await http.post(
            f"/cases/{mine[0]}/resolve", json={"outcome": "resolved", "summary": "已办"}, headers=caseworker("owner")
        )
        assert resolved.status_code == 200, resolved.text

        answer = await http.get("/ledgers/service/statuses", headers=caseworker())
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["area"] == COUNTY
        assert body["by_status"] == await _listed(http, COUNTY)
        assert body["by_status"] == {s: 0 for s in STATUSES} | {"open": 4, "accepted": 1, "resolved": 1}
        assert body["cases"] == 6

        # A province caseworker asking for the county sees the county's; 杭州's branch sees its one case.
        province = await http.get("/ledgers/service/statuses", params={"area": COUNTY}, headers=caseworker("p", "52"))
        assert province.json() == body
        hangzhou = (await http.get("/ledgers/service/statuses", headers=caseworker("hz", HANGZHOU))).json()
        assert hangzhou["by_status"] == await _listed(http, HANGZHOU)
        assert hangzhou["cases"] == 1

        outside = await http.get("/ledgers/service/statuses", params={"area": OTHER_COUNTY}, headers=caseworker())
        assert outside.status_code == 403
        assert outside.headers["content-type"] == "application/problem+json"
        not_a_place = await http.get("/ledgers/service/statuses", params={"area": f"{COUNTY}1"}, headers=caseworker())
        assert not_a_place.status_code == 422
        assert [e["code"] for e in not_a_place.json()["errors"]] == ["area-not-a-place"]
        not_digits = await http.get("/ledgers/service/statuses", params={"area": "52x"}, headers=caseworker())
        assert not_digits.status_code == 422
        registrar = await http.get("/ledgers/service/statuses", headers=auth(["registrar"], COUNTY))
        assert registrar.status_code == 403
