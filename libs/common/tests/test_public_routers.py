"""A service's public routers are served without a token; its other routers still need one."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends
from kite_common.auth import Principal, Role, issue_dev_token, require_roles
from kite_common.domain import NotFound
from kite_common.http.app import create_app
from kite_common.service import ServiceDefinition
from kite_common.settings import AuthSettings
from kite_common.testing.sample import registry
from pydantic import SecretStr

SECRET = "q" * 48
public = APIRouter(prefix="/notices")
secured = APIRouter(prefix="/notices")
Reader = Annotated[Principal, Depends(require_roles(Role.VIEWER))]


@public.get("/{notice}/check")
async def check(notice: str) -> dict[str, str]:
    if notice == "missing":
        raise NotFound("未找到该记录", code="notice-not-found")
    return {"notice": notice}


@secured.get("/{notice}")
async def read(notice: str, principal: Reader) -> dict[str, str]:
    return {"notice": notice, "by": principal.subject}


SERVICE = ServiceDefinition(
    "things",
    "things",
    registry,
    "kite_common.testing.sample_migrations",
    routers=lambda: [secured],
    public_routers=lambda: [public],
)


@pytest.fixture
async def client():
    app = create_app(SERVICE, auth=AuthSettings(jwt_secret=SecretStr(SECRET)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def test_a_public_route_answers_without_a_token_and_refuses_as_problems(client):
    r = await client.get("/notices/n1/check")
    assert (r.status_code, r.json()) == (200, {"notice": "n1"})
    missing = await client.get("/notices/missing/check")
    assert missing.status_code == 404
    assert missing.json()["type"] == "https://kite.gov.cn/problems/notice-not-found"


async def test_the_other_routes_still_need_a_token(client):
    assert (await client.get("/notices/n1")).status_code == 401
    token = issue_dev_token(SECRET, subject="desk", roles=["viewer"], jurisdiction="5226")
    r = await client.get("/notices/n1", headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json()) == (200, {"notice": "n1", "by": "desk"})


async def test_openapi_documents_no_token_problems_on_public_routes(client):
    spec = (await client.get("/openapi.json")).json()
    public_responses = spec["paths"]["/notices/{notice}/check"]["get"]["responses"]
    assert "401" not in public_responses and "403" not in public_responses
    assert "404" in public_responses
    assert {"401", "403"} <= set(spec["paths"]["/notices/{notice}"]["get"]["responses"])


def test_a_service_without_public_routers_has_none():
    plain = ServiceDefinition("things", "things", registry, "kite_common.testing.sample_migrations", lambda: [])
    assert list(plain.public_routers()) == []
