"""Casework's employer directory over real HTTP, PostgreSQL and Kafka: an employer registered in jobs
reaches casework through jobs.events, and a case naming its id gets its name and credit code, so it
is listed per employer both ways."""

from __future__ import annotations

import uuid

import pytest
from kite_casework.service import SERVICE as CASEWORK
from kite_common.identifiers.credit_code import check_character
from kite_common.testing.stack import auth, eventually, running
from kite_jobs.service import SERVICE as JOBS
from kite_roster.service import SERVICE as ROSTER

from .conftest import Stack, case_body, caseworker

CREDIT_CODE = "91330106MA2CFQ0B1" + check_character("91330106MA2CFQ0B1")


@pytest.fixture
async def with_jobs(infra, prefix):
    async with (
        running(infra, ROSTER, prefix, roles=("api", "relay")) as roster,
        running(infra, JOBS, prefix, roles=("api", "relay")) as jobs,
        running(infra, CASEWORK, prefix) as casework,
    ):
        yield Stack(roster, casework), jobs


async def test_a_case_names_an_employer_jobs_registered(with_jobs):
    stack, jobs = with_jobs
    member_id = await stack.register_member(61)
    employer = {
        "name": "杭州某电子厂",
        "unified_social_credit_code": CREDIT_CODE,
        "hiring_division_code": "330106001001",
        "area_division_code": "330106001001",
    }
    async with jobs.client(headers=auth(["employment"], "3301")) as http:
        registered = await http.post("/employers", json=employer)
    assert registered.status_code == 201, registered.text
    employer_id = uuid.UUID(registered.json()["employer_id"])
    pool = stack.casework.pool
    await eventually(lambda: pool.fetchval("SELECT count(*) = 1 FROM employer_directory"))

    async with stack.casework.client() as http:
        body = case_body(member_id, employer={"employer_id": str(employer_id)})
        case = (await http.post("/cases", json=body, headers=caseworker())).json()
        per_id = (await http.get("/cases", params={"employer_id": str(employer_id)}, headers=caseworker())).json()
        per_code = (await http.get("/cases", params={"employer_credit_code": CREDIT_CODE}, headers=caseworker())).json()
    assert case["employer"] == {
        "employer_id": str(employer_id),
        "name": "杭州某电子厂",
        "credit_code": CREDIT_CODE,
        "posting_id": None,
        "placement_id": None,
    }
    assert [c["case_id"] for c in per_id["items"]] == [case["case_id"]] == [c["case_id"] for c in per_code["items"]]
