"""The service ledger (服务台账) over real HTTP and PostgreSQL: what GET /ledgers/service answers equals a
recount from the event store, before and after the read models are rebuilt — per place (a case counts
for its home place and its work place) and in the area's total (once); money and certificates; CSV
and XLSX downloads; the caller's jurisdiction."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kite_casework import migrations
from kite_casework.application.open_case import open_case
from kite_casework.domain.case import CaseRequest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import Urgency
from kite_casework.domain.working_days import CHINA
from kite_casework.ledger.adapters.projection import ServiceLedgerProjection
from kite_casework.ledger.domain.counts import duration_bucket
from kite_casework.service import SERVICE as CASEWORK
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.eventstore import PostgresEventStore
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import auth, eventually
from openpyxl import load_workbook

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker, log_settled
from .test_certificates_api import work_body

MIGRATION = Path(migrations.__file__).parent / "0020_service_ledger_counts.sql"
MONTHS = {"from": "2025-01", "to": "2027-12"}
HANGZHOU = "3301"  # where members of both counties work: the out-station branch sees their cases
TODAY = utcnow().astimezone(CHINA).date().isoformat()


async def post(http, url: str, who: str, body: dict[str, Any] | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await http.post(url, json=body, headers=caseworker(who, "52"))
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def scenario(stack) -> None:  # type: ignore[no-untyped-def]
    """A month of a county office's work, a case of another county, cases of members working in 杭州
    and in our county, money and certificates."""
    ours = await stack.register_member(51)
    theirs = await stack.register_member(52, origin=f"{OTHER_COUNTY}001001")
    async with stack.roster.client(headers=auth(["party-affairs"], COUNTY)) as http:
        body = {"name": "中共黎平县委员会", "kind": "party-committee", "division_code": f"{COUNTY}000000"}
        county_office = (await http.post("/organisations", json=body)).json()["organisation_id"]
    pool = stack.casework.pool
    await eventually(lambda: pool.fetchval("SELECT true FROM escalation_offices WHERE office_id = $1", county_office))

    principal = Principal("desk", frozenset({"caseworker"}), COUNTY)
    late_request = CaseRequest(ours, CaseCategory.WAGE_ARREARS, Urgency.CRITICAL, "讨薪")  # 一小时, 3 h ago
    late = await open_case(
        stack.casework.runtime.unit_of_work(), principal, late_request, utcnow() - timedelta(hours=3)
    )
    async with stack.casework.client() as http:
        cases = [
            await post(http, "/cases", "desk", case_body(ours, category=category, urgency=urgency))
            for category, urgency in [
                ("wage_arrears", "critical"),
                ("wage_arrears", "normal"),
                ("medical", "high"),
                ("schooling", "low"),
                ("certificate", "normal"),
            ]
        ]
        cases.append(await post(http, "/cases", "desk", case_body(theirs, category="legal_aid")))
        # Index 6: ours, working in 杭州, with money; 7: theirs, working in our county.
        body = case_body(ours, work_division_code=HANGZHOU, claimed_fen=18_000_000)
        cases.append(await post(http, "/cases", "desk", body))
        cases.append(await post(http, "/cases", "desk", case_body(theirs, work_division_code=COUNTY)))
        await post(http, f"/cases/{cases[6]['case_id']}/accept", "hz-branch")
        for kind, amount in (("recovered", 8_000_000), ("recovered", 2_500_000), ("relief_paid", 200_000)):
            money = {"kind": kind, "amount_fen": amount, "on": TODAY, "note": "分期"}
            await post(http, f"/cases/{cases[6]['case_id']}/money", "hz-branch", money)
        entries = (await http.get(f"/cases/{cases[6]['case_id']}/money", headers=caseworker("d", "52"))).json()
        second = entries["entries"][1]["entry_id"]
        fix = {"amount_fen": 2_000_000, "reason": "第二期实为2万元"}
        await post(http, f"/cases/{cases[6]['case_id']}/money/{second}/corrections", "hz-branch", fix)
        claim = await http.put(
            f"/cases/{cases[0]['case_id']}/claimed-amount", json={"amount_fen": 500_000}, headers=caseworker("owner0")
        )
        assert claim.status_code == 200, claim.text
        for member in (ours, ours, theirs):
            await post(http, "/certificates", "desk", work_body(member))
        revoked = await post(http, "/certificates", "desk", work_body(ours))
        await http.post(
            f"/certificates/{revoked['certificate_id']}/revoke",
            json={"reason": "信息有误"},
            headers=caseworker("desk", "52") | {"If-Match": '"1"'},
        )
        for i, case in enumerate([*cases[:4], cases[5]]):
            await post(http, f"/cases/{case['case_id']}/accept", f"owner{i}")
        for i, case in enumerate(cases[:3]):
            await post(
                http, f"/cases/{case['case_id']}/resolve", f"owner{i}", {"outcome": "resolved", "summary": "已办"}
            )
        await post(
            http, f"/cases/{cases[0]['case_id']}/follow-ups", "desk", {"reached": True, "satisfaction": "satisfied"}
        )
        await post(
            http, f"/cases/{cases[1]['case_id']}/follow-ups", "desk", {"reached": True, "satisfaction": "unsatisfied"}
        )
        await post(http, f"/cases/{cases[2]['case_id']}/follow-ups", "desk", {"reached": False})
        await post(http, f"/cases/{cases[3]['case_id']}/escalate", "lead", {"reason": "久拖未决"})
        await post(http, f"/cases/{late}/accept", "owner9")
        await post(http, f"/cases/{late}/resolve", "owner9", {"outcome": "partly_resolved", "summary": "部分追回"})
        await post(http, f"/cases/{late}/follow-ups", "desk", {"reached": True, "satisfaction": "neutral"})


def _percentile(values: Sequence[float], p: float) -> float | None:
    """percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    xs = sorted(values)
    position = p * (len(xs) - 1)
    low, high = math.floor(position), math.ceil(position)
    return xs[low] + (xs[high] - xs[low]) * (position - low)


async def recount(pool, digits: int, area: str = "52") -> tuple[dict[Any, Any], dict[Any, Any]]:  # type: ignore[no-untyped-def]
    """The ledger counted again from the event store alone, case by case, in Python: the rows per
    place at `digits` under `area` (a case in the row of each of its places) and the area's totals
    (a case once)."""
    events = await pool.fetch("SELECT type, data, occurred_at FROM events ORDER BY position")
    facts: dict[str, dict[str, Any]] = {}
    certificates: dict[str, dict[str, Any]] = {}
    for e in events:
        kind, data = e["type"].split(".")[2], e["data"]
        if kind == "certificate-issued":
            issued = datetime.fromisoformat(data["issued_at"])
            certificates[data["certificate_id"]] = {
                "month": issued.astimezone(CHINA).strftime("%Y-%m"),
                "places": {data["origin_division_code"]},
                "revoked": False,
            }
            continue
        if kind == "certificate-revoked":
            certificates[data["certificate_id"]]["revoked"] = True
            continue
        if not kind.startswith("case-"):
            continue
        if kind == "case-opened":
            opened = e["occurred_at"]
            facts[data["case_id"]] = {
                "month": opened.astimezone(CHINA).strftime("%Y-%m"),
                "places": {data["origin_division_code"]} | ({data["work_division_code"]} - {None}),
                "category": data["category"],
                "channel": data.get("channel") or "unknown",
                "tier": data["sla_tier"],
                "status": "open",
                "opened": opened,
                "deadline": datetime.fromisoformat(data["deadline"]),
                "accept": None,
                "resolve": None,
                "on_time": None,
                "satisfaction": None,
                "escalations": 0,
                "money": dict.fromkeys(("claimed", "recovered", "relief_paid", "funds_raised"), 0),
            }
            continue
        f = facts[data["case_id"]]
        if kind == "case-accepted":
            f["status"] = "accepted"
            if f["accept"] is None:
                f["accept"] = (datetime.fromisoformat(data["accepted_at"]) - f["opened"]).total_seconds()
        elif kind == "case-progress-noted" and f["status"] in ("accepted", "reopened"):
            f["status"] = "in_progress"
        elif kind == "case-resolved":
            f["status"] = "resolved"
            at = datetime.fromisoformat(data["resolved_at"])
            if f["resolve"] is None:
                f["resolve"], f["on_time"] = (at - f["opened"]).total_seconds(), at <= f["deadline"]
        elif kind == "case-follow-up-recorded" and data.get("satisfaction"):
            f["satisfaction"] = data["satisfaction"]
        elif kind == "case-closed":
            f["status"] = "closed"
        elif kind == "case-reopened":
            f["status"], f["deadline"] = "reopened", datetime.fromisoformat(data["deadline"])
        elif kind in ("case-resumed", "case-escalated"):
            f["deadline"] = datetime.fromisoformat(data["deadline"])
            f["escalations"] += kind == "case-escalated"
        elif kind == "case-amount-claimed":
            f["money"]["claimed"] = data["amount_fen"]
        elif kind == "case-money-recorded":
            f["money"][data["kind"]] += data["amount_fen"]
        elif kind == "case-money-corrected":
            f["money"][data["kind"]] += data["amount_fen"] - data["replaces_fen"]
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    totals: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for group, items in ((rows, facts.values()), (rows, certificates.values())):
        for f in items:
            for code in {place[:digits] for place in f["places"] if place.startswith(area)}:
                if code.startswith(area):
                    group[(f["month"], code)].append(f)
    for f in [*facts.values(), *certificates.values()]:
        if any(place.startswith(area) for place in f["places"]):
            totals[(f["month"], area)].append(f)
    return _tallied(rows), _tallied(totals)


def _tallied(groups: dict[tuple[str, str], list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    ledger: dict[tuple[str, str], dict[str, Any]] = {}
    for key, items in groups.items():
        fs = [f for f in items if "status" in f]
        certs = [c for c in items if "status" not in c]
        tiers: dict[str, list[bool]] = defaultdict(list)
        for f in fs:
            if f["on_time"] is not None:
                tiers[f["tier"]].append(f["on_time"])
        rated = [f["satisfaction"] for f in fs if f["satisfaction"]]
        # Durations as the ledger's histograms hold them (whole seconds, 3 significant digits from 1,000 s).
        accepts = [duration_bucket(f["accept"]) for f in fs if f["accept"] is not None]
        resolves = [duration_bucket(f["resolve"]) for f in fs if f["resolve"] is not None]
        ledger[key] = {
            "cases": len(fs),
            "by_status": {s: sum(f["status"] == s for f in fs) for s in _STATUSES},
            "by_category": _tally(f["category"] for f in fs),
            "by_channel": _tally(f["channel"] for f in fs),
            "on_time_rate_by_tier": {t: sum(v) / len(v) for t, v in tiers.items()},
            "accept_median_s": _percentile(accepts, 0.5),
            "accept_p90_s": _percentile(accepts, 0.9),
            "resolve_median_s": _percentile(resolves, 0.5),
            "resolve_p90_s": _percentile(resolves, 0.9),
            "satisfaction_rate": sum(s in ("satisfied", "neutral") for s in rated) / len(rated) if rated else None,
            "escalations": sum(f["escalations"] for f in fs),
            "money_fen": {
                k: sum(f["money"][k] for f in fs) for k in ("claimed", "recovered", "relief_paid", "funds_raised")
            },
            "certificates_issued": len(certs),
            "certificates_revoked": sum(c["revoked"] for c in certs),
        }
    return ledger


_STATUSES = ("open", "accepted", "in_progress", "resolved", "reopened", "closed")


def _tally(values: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return dict(counts)


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)


async def served(http, level: str, who: str = "province", area: str = "52") -> tuple[dict[Any, Any], dict[Any, Any]]:  # type: ignore[no-untyped-def]
    response = await http.get("/ledgers/service", params={"level": level} | MONTHS, headers=caseworker(who, area))
    assert response.status_code == 200, response.text
    answer = response.json()
    rows, totals = ({(r.pop("month"), r.pop("division_code")): r for r in answer[part]} for part in ("rows", "totals"))
    return rows, totals


LEVELS = (("province", 2), ("city", 4), ("county", 6), ("township", 9), ("village", 12))


async def redeliver_every_event(pool) -> None:  # type: ignore[no-untyped-def]
    """Hand the ledger's projection every stored event again, bypassing the inbox (as a redelivery would
    if the inbox let it through), in one transaction."""
    store = PostgresEventStore(CASEWORK.registry.source)
    projection = next(p for p in CASEWORK.projections if isinstance(p, ServiceLedgerProjection))
    async with pool.acquire() as conn, conn.transaction():
        async for stored in store.iterate_all(conn, batch=500):
            env = stored.envelope
            await projection.apply(conn, env, CASEWORK.registry.parse(env.type, env.data))


async def test_the_service_ledger_equals_a_recount_from_the_event_store_before_and_after_a_rebuild(stack):
    await scenario(stack)
    pool = stack.casework.pool
    async with stack.casework.client() as http:
        for area in ("52", "33"):
            for level, digits in LEVELS:
                answered, counted = await served(http, level, area=area), await recount(pool, digits, area)
                assert _close(answered, counted), (area, level, answered, counted)
        rows, totals = await served(http, "county")
        ((_, ours),) = ((month, row) for (month, code), row in rows.items() if code == COUNTY)
        # 6 cases of our members at home, one of theirs working here; ours working in 杭州 stays ours too.
        assert ours["cases"] == 8 and ours["escalations"] == 1
        theirs = next(row for (_, code), row in rows.items() if code == OTHER_COUNTY)
        assert theirs["cases"] == 2
        ((_, province),) = totals.items()
        assert province["cases"] == 9  # the case of theirs working here counts once in 贵州
        assert ours["by_category"] == {"wage_arrears": 5, "medical": 1, "schooling": 1, "certificate": 1}
        assert ours["on_time_rate_by_tier"] == {"hour": 2 / 3, "week": 1.0}  # the late 一小时 case was not in time
        assert ours["satisfaction_rate"] == 2 / 3  # 满意, 基本满意, 不满意
        assert sum(ours["by_channel"].values()) == 8 and "unknown" not in ours["by_channel"]
        assert ours["money_fen"]["recovered"] == 10_000_000 and ours["money_fen"]["relief_paid"] == 200_000
        assert ours["money_fen"]["claimed"] == 18_500_000
        assert (ours["certificates_issued"], ours["certificates_revoked"]) == (3, 1)
        assert (province["certificates_issued"], province["money_fen"]["recovered"]) == (4, 10_000_000)
        hangzhou, hz_totals = await served(http, "city", area="33")
        assert [(code, row["cases"]) for (_, code), row in hangzhou.items()] == [(HANGZHOU, 1)]
        assert [row["money_fen"]["recovered"] for row in hz_totals.values()] == [10_000_000]

        # The migration's fill (0020) gives the same counters from the facts of existing cases.
        before = [await served(http, level, area=area) for area in ("52", "33") for level, _ in LEVELS]
        sql = MIGRATION.read_text().replace("CREATE FUNCTION pg_temp", "CREATE OR REPLACE FUNCTION pg_temp")
        fill = sql[sql.index("CREATE OR REPLACE FUNCTION pg_temp") : sql.index("-- The ledger per named office")]
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM service_ledger_counts")
            await conn.execute(fill)
        assert [await served(http, level, area=area) for area in ("52", "33") for level, _ in LEVELS] == before

        await log_settled(pool)
        # Every event delivered again, past the inbox: the counters add nothing.
        before = [await served(http, level, area=area) for area in ("52", "33") for level, _ in LEVELS]
        await redeliver_every_event(pool)
        assert [await served(http, level, area=area) for area in ("52", "33") for level, _ in LEVELS] == before
        async with pool.acquire() as conn:
            await rebuild_projections(conn, CASEWORK)
        for area in ("52", "33"):
            for level, digits in LEVELS:
                assert _close(await served(http, level, area=area), await recount(pool, digits, area)), level
        await redeliver_every_event(pool)
        for area in ("52", "33"):
            for level, digits in LEVELS:
                assert _close(await served(http, level, area=area), await recount(pool, digits, area)), level


async def test_the_ledger_downloads_as_csv_and_xlsx_and_stays_in_the_jurisdiction(stack):
    await scenario(stack)
    async with stack.casework.client() as http:
        params = {"level": "county"} | MONTHS
        mine = await http.get("/ledgers/service", params=params, headers=caseworker("desk", COUNTY))
        assert [r["division_code"] for r in mine.json()["rows"]] == [COUNTY]
        assert [r["cases"] for r in mine.json()["totals"]] == [8]
        outside = await http.get("/ledgers/service", params=params | {"area": OTHER_COUNTY}, headers=caseworker())
        assert outside.status_code == 403 and outside.json()["detail"] == "无权查看管辖范围以外地区的台账"
        backwards = await http.get(
            "/ledgers/service", params={"from": "2026-05", "to": "2026-01"}, headers=caseworker()
        )
        assert backwards.status_code == 422
        bad_month = await http.get("/ledgers/service", params={"from": "2026-13"}, headers=caseworker())
        assert bad_month.status_code == 422
        part_of_a_code = await http.get("/ledgers/service", params={"area": "522"}, headers=caseworker("d", "52"))
        assert part_of_a_code.status_code == 422 and "统计范围须为完整的" in part_of_a_code.json()["detail"]
        assert (await http.get("/ledgers/service", headers=auth(["member"], COUNTY))).status_code == 403

        download = await http.get("/ledgers/service", params=params | {"format": "csv"}, headers=caseworker("d", "52"))
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert table[0][:3] == ["月份", "区划代码", "诉求数"] and "满意率（%）" in table[0]
        ours = next(line for line in table[1:] if line[1] == COUNTY)
        assert ours[2] == "8" and "欠薪 5" in ours[table[0].index("按类别")]
        assert ours[table[0].index("追回金额（分）")] == "10000000"
        assert ours[table[0].index("出具证明数")] == "3"
        assert len(table) == 4  # header, our county, the other county, the total of 贵州
        assert table[3][1] == "52 合计" and table[3][2] == "9"

        xlsx = await http.get("/ledgers/service", params=params | {"format": "xlsx"}, headers=caseworker("d", "52"))
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][:3] == ["月份", "区划代码", "诉求数"] and len(values) == 4
        assert sorted(row[2] for row in values[1:]) == [2, 8, 9]


async def test_a_wide_ledger_comes_in_pages_of_places_and_downloads_whole(stack, monkeypatch):
    await scenario(stack)
    async with stack.casework.client() as http:
        params = {"level": "county"} | MONTHS
        whole = (await http.get("/ledgers/service", params=params, headers=caseworker("d", "52"))).json()
        assert whole["next_cursor"] is None and [r["division_code"] for r in whole["rows"]] == sorted(
            [COUNTY, OTHER_COUNTY]
        )
        pages, cursor = [], None
        while True:
            answer = (
                await http.get(
                    "/ledgers/service",
                    params=params | {"limit": 1} | ({"cursor": cursor} if cursor else {}),
                    headers=caseworker("d", "52"),
                )
            ).json()
            pages.append(answer)
            cursor = answer["next_cursor"]
            if cursor is None:
                break
        assert len(pages) == 2 and pages[0]["next_cursor"] == whole["rows"][0]["division_code"]
        assert [row for page in pages for row in page["rows"]] == whole["rows"]
        assert all(page["totals"] == whole["totals"] for page in pages)  # the area's total on every page

        for bad in ({"limit": 0}, {"limit": 2001}, {"cursor": "52x"}):
            refused = await http.get("/ledgers/service", params=params | bad, headers=caseworker("d", "52"))
            assert refused.status_code == 422, bad

        # A download reads page after page: every place, then the total, with one place per read.
        monkeypatch.setattr("kite_casework.ledger.api.service_ledger.DOWNLOAD_PAGE", 1)
        download = await http.get("/ledgers/service", params=params | {"format": "csv"}, headers=caseworker("d", "52"))
        table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert [line[1] for line in table[1:]] == [*sorted([COUNTY, OTHER_COUNTY]), "52 合计"]
