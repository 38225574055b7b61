"""The ledgers of the dashboard as the page shows them: counters, one chart, one table whose rows drill
down to the division below. Pure: each view is built from an API's answer (no I/O, no business rule;
every figure is the API's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LEDGERS = {
    "registration": "登记台账",
    "party": "党员台账",
    "income": "收入台账",
    "service": "服务台账",
    "monitoring": "监测台账",
    "employment": "就业台账",
}


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[str]
    drill: str | None = None  # the division to drill into, when the row is one


@dataclass(frozen=True)
class LedgerView:
    caption: str
    columns: list[str]
    rows: list[Row]
    chart_name: str
    counters: list[tuple[str, str, str]] = field(default_factory=list)  # (id, label, value)
    empty: str = "暂无数据。"

    def chart(self) -> dict[str, Any]:
        """The bar chart of the table's first figure by row."""
        rows = [r for r in self.rows if r.cells]
        return {
            "name": self.chart_name,
            "labels": [r.label for r in rows],
            "values": [_number(r.cells[0]) for r in rows],
        }


def _number(text: str) -> float:
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return 0.0


def _rate(value: float | None, scale: float = 100.0) -> str:
    return "—" if value is None else f"{value * scale:.0f}%"


def _drill(code: str, drillable: bool) -> str | None:
    return code if drillable and (code.isascii() and code.isdigit()) else None


def registration(data: dict[str, Any], level_label: str, drillable: bool) -> LedgerView:
    return LedgerView(
        caption=f"按{level_label}（户籍地）" + ("，仅列前 200 个" if data.get("truncated") else ""),
        columns=["人数", "代码"],
        rows=[
            Row(r["label"] or r["key"], [str(r["members"]), r["key"]], _drill(r["key"], drillable))
            for r in data["rows"]
        ],
        chart_name="人数",
        counters=[("total-members", "在册外出务工人员", str(data["total"]))],
        empty="暂无登记人员。",
    )


def party(data: dict[str, Any], _level_label: str, _drillable: bool) -> LedgerView:
    members, dues, attendance, coverage = data["members"], data["dues"], data["attendance"], data["coverage"]
    branches = data["branches"]
    return LedgerView(
        caption=f"各支部（共 {branches['total']} 个）：党员人数与组织生活出勤"
        f"（{attendance['period_from']} 至 {attendance['period_to']}）",
        columns=["党员", "区划", "应出勤", "出勤"],
        rows=[
            Row(b["name"], [str(b["members"]), b["division_code"], str(b["attendance_expected"]), str(b["attended"])])
            for b in branches["items"]
        ],
        chart_name="党员",
        counters=[
            ("party-members", "在册党员", str(members["total"])),
            ("party-dues", f"{dues['month']} 党费收缴", f"{dues['paid']}/{dues['expected']}（{_rate(dues['rate'])}）"),
            ("party-attendance", "组织生活出勤率", _rate(attendance["rate"])),
            ("party-coverage", "三重覆盖", str(coverage["three"])),
            ("party-lost", "失联党员", str(data["lost_members"]["total"])),
        ],
        empty="暂无支部。",
    )


def income(data: dict[str, Any], _level_label: str, _drillable: bool) -> LedgerView:
    total, below = data["total"], data["below_threshold"]
    return LedgerView(
        caption=f"{data['year']} 年按人均年收入分段的户数",
        columns=["户数", "人数", "建档立卡户", "防返贫监测户"],
        rows=[
            Row(
                b["label"], [str(b["households"]), str(b["persons"]), str(b["poverty_registered"]), str(b["monitored"])]
            )
            for b in data["bands"]
        ],
        chart_name="户数",
        counters=[
            ("income-households", "户数", str(total["households"])),
            ("income-persons", "人数", str(total["persons"])),
            ("income-below", f"低于监测线（{below['threshold']} 元）的户", str(below["households"])),
        ],
    )


def service(data: dict[str, Any], _level_label: str, drillable: bool) -> LedgerView:
    def in_progress(by: dict[str, int]) -> int:
        return by.get("accepted", 0) + by.get("in_progress", 0) + by.get("reopened", 0)

    rows = data["rows"]
    return LedgerView(
        caption="本月登记的诉求，按县",
        columns=["诉求", "待受理", "办理中", "已办结", "满意率", "上报督办"],
        rows=[
            Row(
                r["division_code"],
                [
                    str(r["cases"]),
                    str(r["by_status"].get("open", 0)),
                    str(in_progress(r["by_status"])),
                    str(r["by_status"].get("resolved", 0) + r["by_status"].get("closed", 0)),
                    _rate(r["satisfaction_rate"]),
                    str(r["escalations"]),
                ],
                _drill(r["division_code"], drillable),
            )
            for r in rows
        ],
        chart_name="诉求",
        # the area's total when casework gives it (a case counted once, though its row counts it at
        # both its origin and its work place), else the rows' sum
        counters=[("service-cases", "本月诉求", str(sum(r["cases"] for r in data.get("totals", rows))))],
        empty="本月暂无诉求。",
    )


def monitoring(data: dict[str, Any], level_label: str, drillable: bool) -> LedgerView:
    rows = [r for r in data["rows"] if r["place"] != "合计"]
    totals = next((r for r in data["rows"] if r["place"] == "合计"), None)
    counters = []
    if totals:
        counters = [
            ("monitoring-unresolved", "未消除风险户", str(totals["unresolved_households"])),
            ("monitoring-unpaired", "未消除且未结对户", str(totals["unpaired_unresolved_households"])),
            ("monitoring-identified", f"{data['year']} 年新识别户", str(totals["identified_households"])),
        ]
    return LedgerView(
        caption=f"{data['year']} 年防返贫监测，按{level_label}",
        columns=["未消除风险户", "新识别户", "风险消除户", "未消除风险率", "已结对户"],
        rows=[
            Row(
                r["place"],
                [
                    str(r["unresolved_households"]),
                    str(r["identified_households"]),
                    str(r["cleared_households"]),
                    "—" if r["unresolved_rate"] is None else f"{r['unresolved_rate']:.1f}%",
                    str(r["paired_households"]),
                ],
                _drill(r["place"], drillable),
            )
            for r in rows
        ],
        chart_name="未消除风险户",
        counters=counters,
        empty="暂无监测户。",
    )


def employment(data: dict[str, Any], level_label: str, drillable: bool) -> LedgerView:
    rows = data["items"]
    return LedgerView(
        caption=f"就业安置与稳岗回访，按{level_label}",
        columns=["安置就业", "在岗", "3个月仍在岗", "6个月仍在岗", "有人就业的户", "其中重点户"],
        rows=[
            Row(
                r["area_division_code"],
                [
                    str(r["people_placed"]),
                    str(r["employed_now"]),
                    f"{r['retained_3m']}/{r['followed_up_3m']}",
                    f"{r['retained_6m']}/{r['followed_up_6m']}",
                    str(r["households_with_earner"]),
                    f"{r['priority_households_with_earner']}/{r['priority_households']}",
                ],
                _drill(r["area_division_code"], drillable),
            )
            for r in rows
        ],
        chart_name="安置就业",
        counters=[
            ("employment-placed", "安置就业", str(sum(r["people_placed"] for r in rows))),
            ("employment-now", "在岗", str(sum(r["employed_now"] for r in rows))),
        ],
        empty="暂无就业记录。",
    )


BUILDERS: dict[str, Callable[[dict[str, Any], str, bool], LedgerView]] = {
    "registration": registration,
    "party": party,
    "income": income,
    "service": service,
    "monitoring": monitoring,
    "employment": employment,
}
