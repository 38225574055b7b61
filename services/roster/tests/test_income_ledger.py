"""The income ledger (收入台账) over real HTTP and PostgreSQL: bands, the monitoring line, flags,
corrections, and totals that equal a recount from the event store."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import auth, running
from kite_roster.households.adapters.income_ledger import income_ledger_settings
from kite_roster.service import SERVICE
from openpyxl import load_workbook

COUNTY = "522631"  # 黎平县
VILLAGE = f"{COUNTY}101001"
OTHER_VILLAGE = f"{COUNTY}205203"
OTHER_COUNTY_VILLAGE = "520102001001"  # 南明区
REGISTRAR = auth(["registrar"], COUNTY)
PROVINCE = auth(["registrar"], "52")
DEFAULT_EDGES = [Decimal(6000), Decimal(8000), Decimal(10000), Decimal(20000)]
THRESHOLD = Decimal(7000)


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


@pytest.fixture
def settings_env(monkeypatch) -> Iterator[pytest.MonkeyPatch]:
    income_ledger_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    income_ledger_settings.cache_clear()


def household(village: str, **flags: object) -> dict[str, object]:
    body: dict[str, object] = {"division_code": village, "head_name": "户主", **flags}
    return body


async def scenario(http) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Six households; one report corrected across bands and the threshold, one household's flags changed."""
    ids = {}
    for name, body in {
        "h1": household(VILLAGE, poverty_registered=True, relocated=True, relocation_site="汇丰园安置点",
                        monitored=True, monitoring_category="unstable"),
        "h2": household(VILLAGE, poverty_registered=True),
        "h3": household(OTHER_VILLAGE),
        "h4": household(OTHER_VILLAGE, monitored=True, monitoring_category="marginal"),
        "h5": household(OTHER_COUNTY_VILLAGE, poverty_registered=True),
        "h6": household(VILLAGE),
    }.items():  # fmt: skip
        created = await http.post("/households", json=body, headers=PROVINCE)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["household_id"]
    for name, year, total, size in (
        ("h1", 2023, "24000", 4),  # 6000/person: below the line …
        ("h2", 2023, "18000", 3),
        ("h2", 2022, "5000", 1),
        ("h3", 2023, "100000", 4),
        ("h4", 2023, "20000", 4),
        ("h5", 2023, "1000", 1),
        ("h1", 2023, "40000", 4),  # … corrected to 10000/person
    ):
        report = {"year": year, "total_income": total, "household_size": size}
        response = await http.post(f"/households/{ids[name]}/income-reports", json=report, headers=PROVINCE)
        assert response.status_code == 201, response.text
    changed = await http.patch(
        f"/households/{ids['h4']}/flags", json={"monitored": False, "poverty_registered": True}, headers=PROVINCE
    )
    assert changed.status_code == 200, changed.text
    return ids


def counts(households: int, persons: int, poverty: int = 0, relocated: int = 0, monitored: int = 0) -> dict[str, int]:
    return {
        "households": households,
        "persons": persons,
        "poverty_registered": poverty,
        "relocated": relocated,
        "monitored": monitored,
    }


async def test_ledger_counts_households_by_band_below_the_line_and_by_flag(roster):
    async with roster.client(headers=REGISTRAR) as http:
        ids = await scenario(http)
        response = await http.get("/ledgers/income", params={"year": 2023})
        assert response.status_code == 200, response.text
        ledger = response.json()
    assert ledger["origin"] == COUNTY and ledger["year"] == 2023
    assert ledger["total"] == counts(4, 15, poverty=3, relocated=1, monitored=1)
    assert [(b["label"], b["min"], b["max"]) for b in ledger["bands"]] == [
        ("6000元以下", "0.00", "6000.00"),
        ("6000–8000元", "6000.00", "8000.00"),
        ("8000–10000元", "8000.00", "10000.00"),
        ("10000–20000元", "10000.00", "20000.00"),
        ("20000元及以上", "20000.00", None),
    ]
    assert [{k: b[k] for k in counts(0, 0)} for b in ledger["bands"]] == [
        counts(1, 4, poverty=1),  # h4, 5000/person, no longer monitored
        counts(1, 3, poverty=1),  # h2, 6000/person
        counts(0, 0),
        counts(1, 4, poverty=1, relocated=1, monitored=1),  # h1 after its correction
        counts(1, 4),  # h3
    ]
    below = ledger["below_threshold"]
    assert below["threshold"] == "7000.00"
    assert {k: below[k] for k in counts(0, 0)} == counts(2, 7, poverty=2)
    assert below["list"] == f"/ledgers/income/below-threshold?year=2023&origin={COUNTY}"

    async with roster.client(headers=REGISTRAR) as http:
        listed = []
        url: str | None = below["list"] + "&limit=1"
        while url:
            page = (await http.get(url)).json()
            listed += page["items"]
            url = below["list"] + f"&limit=1&cursor={page['next_cursor']}" if page["next_cursor"] else None
        village = (await http.get("/ledgers/income", params={"year": 2023, "origin": VILLAGE})).json()
        earlier = (await http.get("/ledgers/income", params={"year": 2022})).json()
    # by village, then by id: h2 lives in 101001, h4 in 205203
    assert [(i["household_id"], i["per_capita_income"]) for i in listed] == [
        (ids["h2"], "6000.00"),
        (ids["h4"], "5000.00"),
    ]
    assert listed[0]["division_code"] == VILLAGE and listed[1]["poverty_registered"] is True
    assert village["total"] == counts(2, 7, poverty=2, relocated=1, monitored=1)
    assert earlier["total"] == counts(1, 1, poverty=1) and earlier["below_threshold"]["households"] == 1


async def test_ledger_totals_equal_a_recount_from_the_events(roster):
    async with roster.client(headers=PROVINCE) as http:
        await scenario(http)
        for origin in ("52", COUNTY, VILLAGE, OTHER_VILLAGE, OTHER_COUNTY_VILLAGE[:6]):
            for year in (2022, 2023, 2024):
                ledger = (await http.get("/ledgers/income", params={"year": year, "origin": origin})).json()
                expected = await recount(roster, year, origin, DEFAULT_EDGES, THRESHOLD)
                assert ledger_numbers(ledger) == expected.numbers, (origin, year)
                listed = (
                    await http.get("/ledgers/income/below-threshold", params={"year": year, "origin": origin})
                ).json()
                assert {i["household_id"] for i in listed["items"]} == expected.below_ids, (origin, year)


async def test_concurrent_reports_and_corrections_in_one_village_keep_the_ledger_exact(roster):
    async with roster.client(headers=REGISTRAR) as http:
        ids = []
        for _ in range(8):
            created = await http.post("/households", json=household(VILLAGE, poverty_registered=True))
            ids.append(created.json()["household_id"])

        async def report_twice(i: int, hid: str) -> list[int]:
            statuses = []
            for total in (4000 * (i + 1), 30000 - 3000 * i):  # a report, then a correction across bands
                body = {"year": 2023, "total_income": str(total), "household_size": 2}
                statuses.append((await http.post(f"/households/{hid}/income-reports", json=body)).status_code)
            flipped = await http.patch(f"/households/{hid}/flags", json={"poverty_registered": i % 2 == 0})
            return [*statuses, flipped.status_code]

        results = await asyncio.gather(*(report_twice(i, hid) for i, hid in enumerate(ids)))
        assert results == [[201, 201, 200]] * 8
        ledger = (await http.get("/ledgers/income", params={"year": 2023})).json()
    expected = await recount(roster, 2023, COUNTY, DEFAULT_EDGES, THRESHOLD)
    assert ledger_numbers(ledger) == expected.numbers
    assert ledger["total"]["households"] == 8 and ledger["total"]["poverty_registered"] == 4


async def test_changed_bands_are_refused_until_rebuilt_and_then_recounted(roster, settings_env):
    async with roster.client(headers=REGISTRAR) as http:
        await scenario(http)
        settings_env.setenv("KITE_ROSTER_INCOME_BANDS", "5000,10000")
        settings_env.setenv("KITE_ROSTER_MONITORING_THRESHOLD", "6000.5")
        income_ledger_settings.cache_clear()
        stale = await http.get("/ledgers/income", params={"year": 2023})
        assert stale.status_code == 503
        assert stale.json()["type"].endswith("/income-ledger-stale") and "重建" in stale.json()["detail"]
        async with roster.pool.acquire() as conn:
            await rebuild_projections(conn, SERVICE)
        ledger = (await http.get("/ledgers/income", params={"year": 2023})).json()
    assert [b["label"] for b in ledger["bands"]] == ["5000元以下", "5000–10000元", "10000元及以上"]
    expected = await recount(roster, 2023, COUNTY, [Decimal(5000), Decimal(10000)], Decimal("6000.5"))
    assert ledger_numbers(ledger) == expected.numbers
    assert expected.numbers["below"]["households"] == 2  # 5000 and 6000 per person are under 6000.5


async def test_ledger_and_the_list_below_the_line_download_as_csv_and_xlsx(roster):
    async with roster.client(headers=REGISTRAR) as http:
        ids = await scenario(http)
        csv_ledger = await http.get("/ledgers/income", params={"year": 2023, "format": "csv"})
        xlsx_ledger = await http.get("/ledgers/income", params={"year": 2023, "format": "xlsx"})
        csv_list = await http.get("/ledgers/income/below-threshold", params={"year": 2023, "format": "csv"})
        foreign = await http.get(
            "/ledgers/income/below-threshold", params={"year": 2023, "origin": "52", "format": "csv"}
        )
    assert csv_ledger.status_code == 200 and csv_ledger.headers["content-type"].startswith("text/csv")
    lines = csv_ledger.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "人均年收入分段,户数,人数,其中建档立卡户,其中易地搬迁户,其中防返贫监测户"
    assert lines[1:] == [
        "6000元以下,1,4,1,0,0",
        "6000–8000元,1,3,1,0,0",
        "8000–10000元,0,0,0,0,0",
        "10000–20000元,1,4,1,1,1",
        "20000元及以上,1,4,0,0,0",
        "低于监测线（7000.00元）,2,7,2,0,0",
        "合计,4,15,3,1,1",
    ]
    sheet = load_workbook(io.BytesIO(xlsx_ledger.content), read_only=True).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][-1] == ["合计", 4, 15, 3, 1, 1]
    listed = list(csv.DictReader(io.StringIO(csv_list.content.decode("utf-8-sig"))))
    assert [(r["户编号"], r["人均年收入（元）"], r["建档立卡户"]) for r in listed] == [
        (ids["h2"], "6000.00", "是"),
        (ids["h4"], "5000.00", "是"),
    ]
    assert foreign.status_code == 403


async def test_ledger_needs_a_year_and_a_readable_role(roster):
    async with roster.client(headers=REGISTRAR) as http:
        assert (await http.get("/ledgers/income")).status_code == 422
        assert (await http.get("/ledgers/income", params={"year": 1999})).status_code == 422
        assert (await http.get("/ledgers/income", params={"year": 2023, "origin": "52"})).status_code == 403
    async with roster.client(headers=auth(["employment"], COUNTY)) as http:
        assert (await http.get("/ledgers/income", params={"year": 2023})).status_code == 403


# --- the recount: straight from the events table, sharing no code with the projection ---------------


@dataclass
class Recount:
    numbers: dict  # type: ignore[type-arg]
    below_ids: set[str]


@dataclass
class _Household:
    division_code: str
    flags: dict[str, bool]


def ledger_numbers(ledger: dict) -> dict:  # type: ignore[type-arg]
    keys = ("households", "persons", "poverty_registered", "relocated", "monitored")
    return {
        "total": {k: ledger["total"][k] for k in keys},
        "bands": [{k: b[k] for k in keys} for b in ledger["bands"]],
        "below": {k: ledger["below_threshold"][k] for k in keys},
    }


async def recount(roster, year: int, origin: str, edges: list[Decimal], threshold: Decimal) -> Recount:  # type: ignore[no-untyped-def]
    households: dict[str, _Household] = {}
    latest: dict[tuple[str, int], tuple[Decimal, int]] = {}
    for row in await roster.pool.fetch("SELECT type, data FROM events ORDER BY position"):
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        kind = row["type"].split(".")[2]
        flags = {k: data.get(k) for k in ("poverty_registered", "relocated", "monitored")}
        if kind == "household-registered":
            households[data["household_id"]] = _Household(data["division_code"], flags)
        elif kind == "household-flags-changed":
            households[data["household_id"]].flags = flags
        elif kind == "household-income-reported":
            latest[(data["household_id"], data["year"])] = (Decimal(data["total_income"]), data["household_size"])
    floors = [Decimal(0), *edges]

    def zero() -> dict[str, int]:
        return dict.fromkeys(("households", "persons", "poverty_registered", "relocated", "monitored"), 0)

    total, bands, below, below_ids = zero(), [zero() for _ in floors], zero(), set[str]()
    for (hid, y), (income, size) in latest.items():
        h = households[hid]
        if y != year or not h.division_code.startswith(origin):
            continue
        per_capita = (income / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        band = max(i for i, f in enumerate(floors) if per_capita >= f)
        targets = [total, bands[band]] + ([below] if per_capita < threshold else [])
        if per_capita < threshold:
            below_ids.add(hid)
        for t in targets:
            t["households"] += 1
            t["persons"] += size
            for flag, on in h.flags.items():
                t[flag] += 1 if on else 0
    return Recount({"total": total, "bands": bands, "below": below}, below_ids)
