"""The jurisdiction axis of the authorisation matrix, generated from the route table: every route that
reads one record (a GET whose path names it) is called for a record made in county A with a token of
county A (found), of its sibling county B (404, answered exactly like an id nobody has: same status,
media type and body), and of the city above both (found). Every listing (a GET without a path
parameter) that shows A's records to A shows none of them to B.

Records are made by a small fixture per kind, keyed by the path parameter that names it
(`member_id`, `case_id`, ...). A new read route whose parameter has no fixture fails this test until
one is declared below (or the kind is listed as not belonging to a place, with the reason).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from kite_common.clock import utcnow
from kite_common.discovery import installed_services
from kite_common.service import ServiceDefinition
from kite_common.testing.stack import RunningService, answer, auth, eventually, running
from kite_roster.shared.identity import check_digit

CITY = "5226"  # 黔东南州
COUNTY_A = "522631"  # 黎平县
COUNTY_B = "522632"  # 榕江县
SERVICES = ("roster", "casework", "jobs", "notify")  # the services that hold records of a place


@dataclass
class Stack:
    services: dict[str, RunningService]
    made: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (kind, county) → path values
    seq: int = 0

    def http(self, name: str, county: str, role: str = "admin") -> httpx.AsyncClient:
        return self.services[name].client(headers=auth([role], county, subject=f"{role}-{county}"))

    def next(self) -> int:
        self.seq += 1
        return self.seq


Fixture = Callable[[Stack, str], Awaitable[dict[str, str]]]


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    body: dict[str, Any] = response.json()
    return body


async def member(stack: Stack, county: str) -> dict[str, str]:
    seq = stack.next()
    first17 = f"{county}19900101{seq:03d}"
    body = {
        "name": "陈贵友",
        "id_number": first17 + check_digit(first17),
        "phone": f"138{seq:08d}",
        "origin_division_code": f"{county}101001",
        "current_city": "杭州",
        "employer": "某电子厂",
    }
    async with stack.http("roster", county, "registrar") as http:
        member_id = str((await _created(await http.post("/members", json=body)))["member_id"])
    # every service that keeps a copy of the roster has it before its routes are asked
    for name, table in (("casework", "member_directory"), ("jobs", "members"), ("notify", "member_directory")):
        pool = stack.services[name].pool
        assert pool is not None
        sql = f"SELECT true FROM {table} WHERE member_id = $1"
        await eventually(lambda pool=pool, sql=sql: pool.fetchval(sql, uuid.UUID(member_id)), timeout=60)
    return {"member_id": member_id}


async def import_job(stack: Stack, county: str) -> dict[str, str]:
    """An upload of a member list (queued; its job belongs to the uploader's county)."""
    table = "姓名,身份证号,手机号,户籍地区划代码,现工作城市\n".encode()
    async with stack.http("roster", county, "registrar") as http:
        created = await _created(await http.post("/imports", files={"file": ("外出人员.csv", table, "text/csv")}))
    return {"job_id": str(created["job_id"])}


async def party_member(stack: Stack, county: str) -> dict[str, str]:
    values = await _made(stack, "member", county)
    body = {"member_id": values["member_id"], "joined_on": "2015-07-01", "probationary": False}
    async with stack.http("roster", county) as http:
        await _created(await http.post("/party-members", json=body))
    return values


async def seeker(stack: Stack, county: str) -> dict[str, str]:
    values = await _made(stack, "member", county)
    body = {
        "desired_division_code": "330110000000",
        "willing_to_move": False,
        "expected_wage_fen": 500_000,
        "certificates": [],
        "available_from": utcnow().date().isoformat(),
    }
    async with stack.http("jobs", county, "employment") as http:
        await _created(await http.put(f"/seekers/{values['member_id']}", json=body))
    return values


async def household(stack: Stack, county: str) -> dict[str, str]:
    body = {
        "division_code": f"{county}101001",
        "head_name": "吴老三",
        "address": "某镇某村3组",
        "poverty_registered": True,
        "relocated": False,
        "monitored": True,
        "monitoring_category": "unstable",
    }
    async with stack.http("roster", county, "registrar") as http:
        return {"household_id": str((await _created(await http.post("/households", json=body)))["household_id"])}


async def organisation(stack: Stack, county: str) -> dict[str, str]:
    body = {"name": "县委", "kind": "party-committee", "division_code": f"{county}000000", "parent_id": None}
    async with stack.http("roster", county, "party-affairs") as http:
        created = await _created(await http.post("/organisations", json=body))
    return {"organisation_id": str(created["organisation_id"])}


async def session(stack: Stack, county: str) -> dict[str, str]:
    """An organisation-life session of a branch, attended by the county's party member."""
    committee = (await _made(stack, "organisation", county))["organisation_id"]
    member_id = (await _made(stack, "party_member", county))["member_id"]
    branch = {
        "name": "驻杭流动党员党支部",
        "kind": "outstation-branch",
        "division_code": f"{county}000000",
        "parent_id": committee,
        "host_city": "杭州",
    }
    async with stack.http("roster", county, "party-affairs") as http:
        branch_id = str((await _created(await http.post("/organisations", json=branch)))["organisation_id"])
        joined = {"organisation_id": branch_id, "role": "origin", "joined_on": "2022-01-01"}
        await _created(await http.post(f"/party-members/{member_id}/branches", json=joined))
        body = {
            "organisation_id": branch_id,
            "kind": "theme-day",
            "mode": "online",
            "held_on": "2026-07-01",
            "topic": "学习党章",
            "attendance": [{"member_id": member_id, "status": "present"}],
        }
        held = await _created(await http.post("/org-life-sessions", json=body))
    return {"session_id": str(held["session_id"])}


async def cadre(stack: Stack, county: str) -> dict[str, str]:
    body = {"name": "帮扶干部", "rank": "leading", "organisation": "县乡村振兴局", "organisation_code": f"{county}101"}
    async with stack.http("roster", county, "registrar") as http:
        return {"cadre_id": str((await _created(await http.post("/monitoring/cadres", json=body)))["cadre_id"])}


async def case(stack: Stack, county: str) -> dict[str, str]:
    values = await _made(stack, "member", county)
    body = {
        "member_id": values["member_id"],
        "category": "wage_arrears",
        "urgency": "normal",
        "description": "被拖欠工资，请求协调讨薪",
    }
    async with stack.http("casework", county, "caseworker") as http:
        return {"case_id": str((await _created(await http.post("/cases", json=body)))["case_id"])}


async def certificate(stack: Stack, county: str) -> dict[str, str]:
    values = await _made(stack, "member", county)
    body = {
        "member_id": values["member_id"],
        "template": "work",
        "office_name": "县人力资源和社会保障局",
        "fields": {"work_since": "2023年3月", "work_place": "无锡市某厂", "occupation": "装配", "purpose": "子女入学"},
    }
    async with stack.http("casework", county, "caseworker") as http:
        created = await _created(await http.post("/certificates", json=body))
    return {"certificate_id": str(created["certificate_id"])}


async def employer(stack: Stack, county: str) -> dict[str, str]:
    body = {
        "name": f"杭州某电子厂{county}",
        "unified_social_credit_code": "91330106MA2CFQ0B1E",
        "industry": "电子制造",
        "hiring_division_code": "330106001001",
        "area_division_code": f"{county}000000",
        "contacts": [{"name": "王经理", "role": "人事", "phone": "13912345678"}],
    }
    async with stack.http("jobs", county, "employment") as http:
        return {"employer_id": str((await _created(await http.post("/employers", json=body)))["employer_id"])}


async def posting(stack: Stack, county: str) -> dict[str, str]:
    employer_id = (await _made(stack, "employer", county))["employer_id"]
    today = utcnow().date()
    body = {
        "employer_id": employer_id,
        "title": "电子厂普工",
        "trades": ["普工"],
        "skills_required": ["电工"],
        "headcount": 10,
        "wage_min_fen": 600_000,
        "wage_max_fen": 900_000,
        "place_division_code": "330106001001",
        "place_label": "杭州",
        "housing": True,
        "meals": True,
        "age_min": 18,
        "age_max": 45,
        "certificates_required": [],
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=60)).isoformat(),
    }
    async with stack.http("jobs", county, "employment") as http:
        return {"posting_id": str((await _created(await http.post("/postings", json=body)))["posting_id"])}


async def placement(stack: Stack, county: str) -> dict[str, str]:
    """The seeker hired on the county's posting (applied, then hired)."""
    posting_id = (await _made(stack, "posting", county))["posting_id"]
    member_id = (await _made(stack, "seeker", county))["member_id"]
    async with stack.http("jobs", county, "employment") as http:
        await _created(await http.post(f"/postings/{posting_id}/applications", json={"member_id": member_id}))
        body = {"start_date": utcnow().date().isoformat(), "wage_fen": 750_000}
        placed = await _created(await http.post(f"/postings/{posting_id}/applications/{member_id}/hire", json=body))
    return {"placement_id": str(placed["placement_id"])}


async def _jobs_record(stack: Stack, county: str, path: str, key: str, body: dict[str, Any]) -> dict[str, str]:
    async with stack.http("jobs", county, "employment") as http:
        return {key: str((await _created(await http.post(path, json=body)))[key])}


async def fair(stack: Stack, county: str) -> dict[str, str]:
    body = {
        "title": "浙江企业专场招聘会",
        "organisers": ["县人社局"],
        "held_on": utcnow().date().isoformat(),
        "place_division_code": f"{county}100000",
        "area_division_code": f"{county}000000",
    }
    return await _jobs_record(stack, county, "/fairs", "fair_id", body)


async def course(stack: Stack, county: str) -> dict[str, str]:
    today = utcnow().date()
    body = {
        "title": "育婴师培训班",
        "trade": "育婴师",
        "provider": "县职业技术学校",
        "place_division_code": f"{county}101000",
        "starts_on": (today - timedelta(days=20)).isoformat(),
        "ends_on": (today + timedelta(days=10)).isoformat(),
        "capacity": 2,
        "subsidy_fen": 150_000,
        "certificate": "育婴员（五级）",
        "area_division_code": f"{county}000000",
    }
    return await _jobs_record(stack, county, "/courses", "course_id", body)


async def venture(stack: Stack, county: str) -> dict[str, str]:
    values = await _made(stack, "member", county)
    body = {
        "member_id": values["member_id"],
        "name": "侗绣扶贫车间",
        "industry": "手工业",
        "place_division_code": f"{county}101001",
        "started_on": (utcnow().date() - timedelta(days=100)).isoformat(),
        "investment_fen": 50_000_000,
        "jobs_created": 40,
    }
    return await _jobs_record(stack, county, "/ventures", "venture_id", body)


async def campaign(stack: Stack, county: str) -> dict[str, str]:
    body = {"title": "能人回乡", "skills_wanted": ["电工"], "area_division_code": f"{county}000000"}
    return await _jobs_record(stack, county, "/recall-campaigns", "campaign_id", body)


async def broadcast(stack: Stack, county: str) -> dict[str, str]:
    body = {
        "division_code_prefix": f"{county}101001",
        "party_members_only": False,
        "texts": {"zh-Hans": {"title": "春季招聘会", "body": "{name}，您好！县城举办春季招聘会。"}},
    }
    async with stack.http("notify", county, "notifier") as http:
        return {"broadcast_id": str((await _created(await http.post("/broadcasts", json=body)))["broadcast_id"])}


async def robot(stack: Stack, county: str) -> dict[str, str]:
    """A group robot registered by the county's staff (placed in their jurisdiction)."""
    body = {
        "provider": "wecom",
        "name": "驻外流动党员党支部群",
        "webhook_url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=matrix-{county}",
    }
    async with stack.http("notify", county, "notifier") as http:
        return {"robot_id": str((await _created(await http.post("/robots", json=body)))["robot_id"])}


async def notification(stack: Stack, county: str) -> dict[str, str]:
    """The member's welcome notice (notify sends one to every registered member)."""
    values = await _made(stack, "member", county)
    pool = stack.services["notify"].pool
    assert pool is not None
    found = await eventually(
        lambda: pool.fetchval(
            "SELECT notification_id::text FROM notifications WHERE member_id = $1 LIMIT 1",
            uuid.UUID(values["member_id"]),
        ),
        timeout=60,
    )
    return {**values, "notification_id": found}


# (service, path parameter) → the fixture that makes such a record in a county. A route whose path has
# several parameters uses the fixture of its last one (which makes the others too).
FIXTURES: dict[tuple[str, str], Fixture] = {
    ("roster", "member_id"): member,
    ("roster", "household_id"): household,
    ("roster", "job_id"): import_job,
    ("roster", "organisation_id"): organisation,
    ("roster", "cadre_id"): cadre,
    ("roster", "session_id"): session,
    ("casework", "case_id"): case,
    ("casework", "certificate_id"): certificate,
    ("jobs", "employer_id"): employer,
    ("jobs", "posting_id"): posting,
    ("jobs", "member_id"): seeker,  # jobs' member routes are a job-seeker's (求职登记)
    ("notify", "member_id"): member,
    ("jobs", "fair_id"): fair,
    ("jobs", "placement_id"): placement,
    ("jobs", "course_id"): course,
    ("jobs", "venture_id"): venture,
    ("jobs", "campaign_id"): campaign,
    ("notify", "notification_id"): notification,
    ("notify", "broadcast_id"): broadcast,
    ("notify", "robot_id"): robot,
}
# A route whose record is a narrower kind than its parameter says.
ROUTE_FIXTURES: dict[tuple[str, str], Fixture] = {
    ("roster", "/party-members/{member_id}"): party_member,
    ("roster", "/party-members/{member_id}/dues"): party_member,
}
# Path parameters that do not name a record of a place, with the reason.
NOT_OF_A_PLACE: dict[tuple[str, str], str] = {
    ("notify", "kind"): "the province's default templates; a place's override is chosen by ?division_code",
    ("notify", "channel"): "the province's default templates; a place's override is chosen by ?division_code",
    ("notify", "language"): "the province's default templates; a place's override is chosen by ?division_code",
    ("identity", "client_id"): "API clients are registered nationally by administrators",
}
# Routes anyone may read by design, with the reason.
PUBLIC: dict[tuple[str, str], str] = {
    ("casework", "/certificates/{certificate_id}/verify"): "anyone holding a certificate may check it",
}


async def _made(stack: Stack, kind: str, county: str) -> dict[str, str]:
    key = (kind, county)
    if key not in stack.made:
        stack.made[key] = await KINDS[kind](stack, county)
    return stack.made[key]


KINDS: dict[str, Fixture] = {f.__name__: f for f in {*FIXTURES.values(), *ROUTE_FIXTURES.values(), member, employer}}


def _reads(service: ServiceDefinition) -> Iterator[APIRoute]:
    for router in service.routers():
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                yield route


def _declared_roles(dependant: Any) -> list[str]:
    for dependency in dependant.dependencies:
        roles = getattr(dependency.call, "allowed_roles", None)
        if roles is not None:
            return sorted(roles)
        found = _declared_roles(dependency)
        if found:
            return found
    return []


def _role(route: APIRoute) -> str:
    """A role the route names (not admin, which may see more), so the answer is about the place."""
    return next((r for r in _declared_roles(route.dependant) if r != "admin"), "admin")


def _fixture(name: str, route: APIRoute) -> Fixture | str | None:
    """The fixture for a record route; a str is why none applies; None: undeclared."""
    params = [p.name for p in route.dependant.path_params]
    if (name, route.path) in PUBLIC:
        return PUBLIC[(name, route.path)]
    if (name, route.path) in ROUTE_FIXTURES:
        return ROUTE_FIXTURES[(name, route.path)]
    for param in reversed(params):
        if (name, param) in NOT_OF_A_PLACE:
            return NOT_OF_A_PLACE[(name, param)]
    return FIXTURES.get((name, params[-1]))


@pytest.fixture
async def stack(infra, prefix, monkeypatch):
    monkeypatch.setenv("KITE_CASEWORK_SLA_WATCH_ENABLED", "false")
    services = installed_services()
    async with (
        running(infra, services["roster"], prefix) as roster,
        running(infra, services["casework"], prefix) as casework,
        running(infra, services["jobs"], prefix) as jobs,
        running(infra, services["notify"], prefix) as notify,
    ):
        yield Stack({"roster": roster, "casework": casework, "jobs": jobs, "notify": notify})


@pytest.mark.timeout(600)
async def test_a_record_is_found_in_its_county_and_its_city_and_looks_missing_from_the_next_county(stack):
    services = installed_services()
    undeclared: list[str] = []
    wrong: list[str] = []
    seen: dict[str, set[str]] = {}  # service → ids of A's records, for the listings
    for name in SERVICES:
        for route in _reads(services[name]):
            if not route.dependant.path_params:
                continue
            fixture = _fixture(name, route)
            if fixture is None:
                undeclared.append(f"{name} GET {route.path}")
                continue
            if isinstance(fixture, str):
                continue
            values = await _made(stack, fixture.__name__, COUNTY_A)
            seen.setdefault(name, set()).update(values.values())
            params = [p.name for p in route.dependant.path_params]
            url = route.path_format.format(**values)
            random_url = route.path_format.format(**{**values, params[-1]: str(uuid.uuid4())})
            role = _role(route)
            async with stack.http(name, COUNTY_A, role) as own, stack.http(name, CITY, role) as city:
                for who, http in (("county A", own), ("city", city)):
                    got = await http.get(url)
                    if got.status_code != 200:
                        wrong.append(f"{name} GET {route.path} as {role} of {who}: {got.status_code} {got.text[:200]}")
            async with stack.http(name, COUNTY_B, role) as other:
                outside, missing = await other.get(url), await other.get(random_url)
            if outside.status_code != 404:
                wrong.append(f"{name} GET {route.path} as {role} of county B: {outside.status_code}, expected 404")
            elif answer(outside) != answer(missing):
                wrong.append(
                    f"{name} GET {route.path} as county B: {answer(outside)} ≠ a random id's {answer(missing)}"
                )
    assert not undeclared, "declare a fixture (or a reason) in tests/test_jurisdiction_matrix.py for:\n" + "\n".join(
        undeclared
    )
    # Listings: whatever shows A's records to county A shows none of them to county B.
    listings = 0
    for name in SERVICES:
        ids = seen.get(name, set())
        for route in _reads(services[name]):
            if route.dependant.path_params:
                continue
            role = _role(route)
            async with stack.http(name, COUNTY_A, role) as own, stack.http(name, COUNTY_B, role) as other:
                mine = await own.get(route.path)
                if mine.status_code != 200 or not any(i in mine.text for i in ids):
                    continue
                theirs = await other.get(route.path)
            listings += 1
            leaked = sorted(i for i in ids if i in theirs.text)
            if leaked:
                wrong.append(f"{name} GET {route.path} as {role} of county B lists A's {leaked}")
    assert not wrong, "\n".join(wrong)
    assert listings >= len(seen), "every service with records has a listing that shows them"


def test_every_record_kind_without_a_fixture_is_declared():
    """The table above names only parameters the routes really have (no stale entries)."""
    services = installed_services()
    params = {
        (name, p.name)
        for name, service in services.items()
        for route in _reads(service)
        for p in route.dependant.path_params
    }
    stale = [key for key in (*FIXTURES, *NOT_OF_A_PLACE) if key not in params]
    assert not stale, f"no route has these parameters any more: {stale}"
