"""The dashboard's other ledgers (party, income, service, monitoring, employment) for the user's
jurisdiction, drilling down by division, refreshed by the same live stream."""

from __future__ import annotations

from kite_common.testing.stack import auth
from kite_console.dashboard import ledgers

from .conftest import YONGSHAN, ZHENXIONG, Console, csrf_of


async def test_each_ledger_is_shown_for_the_jurisdiction_and_drills_down(console: Console) -> None:
    member = await console.register_member(83, name="陈光明")
    async with console.signed_in(f"{YONGSHAN}-station") as station:
        page = await station.get(f"/members/{member}")
        opened = await station.post(
            f"/members/{member}/cases",
            data={"csrf_token": csrf_of(page.text), "category": "medical", "urgency": "normal", "description": "住院"},
        )
        assert opened.status_code == 303, opened.text
    async with console.signed_in(f"{YONGSHAN}-viewer") as viewer:
        shown = {name: await viewer.get("/dashboard", params={"ledger": name}) for name in ledgers.LEDGERS}
        township = await viewer.get("/dashboard", params={"ledger": "monitoring", "origin": f"{YONGSHAN}101"})
        panel = await viewer.get("/dashboard/panel", params={"ledger": "service", "origin": YONGSHAN})
        other_county = await viewer.get("/dashboard", params={"ledger": "party", "origin": ZHENXIONG})
        unknown = await viewer.get("/dashboard", params={"ledger": "salaries"})
    for name, answer in shown.items():
        assert answer.status_code == 200, (name, answer.text)
        assert f'aria-current="page">{ledgers.LEDGERS[name]}</a>' in answer.text
        assert 'role="alert"' not in answer.text, name  # each API answered the viewer
    assert "在册党员" in shown["party"].text and "低于监测线" in shown["income"].text
    assert "未消除风险户" in shown["monitoring"].text and "安置就业" in shown["employment"].text
    # the service ledger counts the case just opened, in the county's row
    service_row = shown["service"].text.split(f'<th scope="row">{YONGSHAN}</th>', 1)[1].split("</tr>", 1)[0]
    assert int(service_row.split("<td>", 2)[1].split("</td>", 1)[0]) >= 1
    assert "按村（社区）" in township.text  # a township's ledger is by village
    assert panel.status_code == 200 and 'data-panel="/dashboard/panel?ledger=service&amp;origin=530625"' in panel.text
    assert other_county.status_code == 404 and unknown.status_code == 404


async def test_the_live_stream_carries_jobs_changes_to_the_employment_ledger(console: Console) -> None:
    async with console.signed_in(f"{YONGSHAN}-viewer") as client, client.stream("GET", "/live") as stream:
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith("retry:")
        async with console.jobs.client(headers=auth(["employment"], YONGSHAN)) as jobs:
            fair = await jobs.post(
                "/fairs",
                json={
                    "title": "永善县返岗专场",
                    "organisers": ["永善县人社局"],
                    "held_on": "2030-01-01",
                    "online": True,
                    "area_division_code": f"{YONGSHAN}101001",
                },
            )
            assert fair.status_code == 201, fair.text
        async for line in lines:
            if line == "data: jobs":
                break


def test_a_ledger_view_keeps_the_apis_totals_out_of_its_rows() -> None:
    data = {
        "year": 2026,
        "rows": [
            {
                "place": place,
                "unresolved_households": n,
                "identified_households": n,
                "cleared_households": 0,
                "unresolved_rate": None,
                "paired_households": 0,
                "unpaired_unresolved_households": n,
            }
            for place, n in (("530625101", 2), ("530625102", 3), ("合计", 5))
        ],
    }
    view = ledgers.monitoring(data, "乡（镇、街道）", drillable=True)
    assert [r.drill for r in view.rows] == ["530625101", "530625102"]
    assert ("monitoring-unresolved", "未消除风险户", "5") in view.counters
    assert view.chart()["values"] == [2.0, 3.0]


def test_the_service_counter_is_the_areas_total_when_casework_gives_one() -> None:
    def row(code: str, cases: int) -> dict[str, object]:
        return {"division_code": code, "cases": cases, "by_status": {}, "satisfaction_rate": None, "escalations": 0}

    both_places = {"rows": [row("530625", 1), row("530627", 1)], "totals": [row("53", 1)]}
    assert ledgers.service(both_places, "县", drillable=True).counters[0][2] == "1"  # one case, two places
    assert ledgers.service({"rows": [row("530625", 2)]}, "县", drillable=True).counters[0][2] == "2"
