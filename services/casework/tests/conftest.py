"""A running roster (API + relay) and casework (API + relay + consumers) on one topic prefix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from kite_casework.service import SERVICE as CASEWORK
from kite_common.testing.stack import RunningService, auth, eventually, running
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县, 贵州
OTHER_COUNTY = "520102"  # 南明区, 贵阳
ORIGIN = f"{COUNTY}101001"


def id_number(seq: int, area: str = COUNTY) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


@dataclass
class Stack:
    roster: RunningService
    casework: RunningService

    async def register_member(self, seq: int, origin: str = ORIGIN, name: str = "陈贵友") -> uuid.UUID:
        """Register in the roster over HTTP and wait until casework's directory knows the member."""
        body = {
            "name": name,
            "id_number": id_number(seq, origin[:6]),
            "phone": f"138{seq:08d}",
            "origin_division_code": origin,
            "current_city": "无锡",
            "employer": "惠山区某厂",
        }
        async with self.roster.client(headers=auth(["registrar"], origin[:6])) as http:
            created = await http.post("/members", json=body)
        assert created.status_code == 201, created.text
        member_id = uuid.UUID(created.json()["member_id"])
        assert self.casework.pool is not None
        pool = self.casework.pool
        await eventually(lambda: pool.fetchval("SELECT true FROM member_directory WHERE member_id = $1", member_id))
        return member_id

    async def count(self, sql: str, *args: object) -> int:
        assert self.casework.pool is not None
        value: int = await self.casework.pool.fetchval(sql, *args)
        return value


@pytest.fixture
async def stack(infra, prefix, monkeypatch):
    # These tests move deadlines by hand; the deadline watch has its own (test_deadline_watch.py).
    monkeypatch.setenv("KITE_CASEWORK_SLA_WATCH_ENABLED", "false")
    async with (
        running(infra, ROSTER, prefix, roles=("api", "relay")) as roster,
        running(infra, CASEWORK, prefix) as casework,
    ):
        yield Stack(roster, casework)


def caseworker(subject: str = "desk-1", jurisdiction: str = COUNTY) -> dict[str, str]:
    return auth(["caseworker"], jurisdiction, subject=subject)


def case_body(member_id: uuid.UUID, /, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "member_id": str(member_id),
        "category": "wage_arrears",
        "urgency": "critical",
        "description": "与妻子被拖欠工资和工伤赔偿费共18余万元，请求协调讨薪",
    }
    body.update(overrides)
    return body
