"""The domain's refusals as RFC 9457 problems, 415 for bodies that are not JSON, and the OpenAPI that
documents both — through the same app factory every service runs."""

from __future__ import annotations

import json
from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Depends, Response
from kite_common.auth import Principal, Role, issue_dev_token, require_roles
from kite_common.domain import Conflict, Forbidden, NotFound, RuleViolation, StaleVersion, Unavailable
from kite_common.http.app import RuntimeDep, create_app
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.service import ServiceDefinition
from kite_common.settings import AuthSettings
from kite_common.testing.sample import registry
from pydantic import BaseModel, SecretStr

SECRET = "p" * 48
router = APIRouter(prefix="/things")
Writer = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]
calls: list[str] = []


class Body(BaseModel):
    name: str


REFUSALS = {
    "rule": RuleViolation("名称不能为空", code="name-empty", field="name"),
    "missing": NotFound("未找到该记录", code="thing-not-found"),
    "theirs": Forbidden("该记录不在您的管辖范围内", code="outside-jurisdiction"),
    "taken": Conflict("该记录已由 张三 受理", code="already-accepted", accepted_by="张三"),
    "stale": StaleVersion(4, "该记录"),
    "later": Unavailable("台账需重建后才能查询", code="ledger-stale", title="台账待重建"),
}


@router.post("/{thing}")
async def change(thing: str, body: Body, principal: Writer, if_match: IfMatch, response: Response) -> dict[str, str]:
    calls.append(thing)
    if thing in REFUSALS:
        raise REFUSALS[thing]
    set_etag(response, (if_match or 0) + 1)
    return {"name": body.name}


@router.get("/echo/{cast}")
async def echo(cast: str, q: str, principal: Writer, runtime: RuntimeDep) -> dict[str, str]:
    """Hands the query to PostgreSQL as it came: as text, or parsed and stored as jsonb (as event data is)."""
    if cast == "json":
        return {"echo": await runtime.pool.fetchval("SELECT $1::jsonb::text", json.loads(q))}
    return {"echo": await runtime.pool.fetchval("SELECT $1::text", q)}


@router.get("/backend/{failure}")
async def backend(failure: str, principal: Writer, runtime: RuntimeDep) -> None:
    if failure == "refused":
        await asyncpg.connect("postgresql://kite@127.0.0.1:9/none", timeout=2)
    async with runtime.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL statement_timeout = '20ms'")
        await conn.execute("SELECT pg_sleep(1)")


SERVICE = ServiceDefinition("things", "things", registry, "kite_common.testing.sample_migrations", lambda: [router])


@pytest.fixture
async def client(runtime):
    app = create_app(SERVICE, auth=AuthSettings(jwt_secret=SecretStr(SECRET)))
    app.state.runtime = runtime  # the lifespan (which makes the pool) does not run in-process
    token = issue_dev_token(SECRET, roles=["caseworker"], jurisdiction="5226")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        yield c


@pytest.mark.parametrize(
    ("thing", "status", "code", "extra"),
    [
        ("rule", 422, "name-empty", {"errors": [{"field": "name", "code": "name-empty", "message": "名称不能为空"}]}),
        ("missing", 404, "thing-not-found", {}),
        ("theirs", 403, "outside-jurisdiction", {}),
        ("taken", 409, "already-accepted", {"accepted_by": "张三"}),
        ("stale", 412, "stale-version", {"current_version": 4, "title": "版本已过期"}),
        ("later", 503, "ledger-stale", {"title": "台账待重建"}),
    ],
)
async def test_each_kind_of_refusal_is_one_problem_status(client, thing, status, code, extra):
    r = await client.post(f"/things/{thing}", json={"name": "x"})
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == f"https://kite.gov.cn/problems/{code}"
    assert body["detail"] == str(REFUSALS[thing])
    assert body["instance"] == f"/things/{thing}"
    for key, value in extra.items():
        assert body[key] == value


async def test_if_match_sends_the_version_and_etag_returns_the_next(client):
    r = await client.post("/things/ok", json={"name": "x"}, headers={"If-Match": 'W/"3"'})
    assert (r.status_code, r.headers["ETag"], r.json()) == (200, '"4"', {"name": "x"})
    bad = await client.post("/things/ok", json={"name": "x"}, headers={"If-Match": "latest"})
    assert (bad.status_code, bad.json()["type"]) == (400, "https://kite.gov.cn/problems/bad-if-match")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
async def test_a_body_that_is_not_json_is_415_and_reaches_no_handler(client, content_type):
    calls.clear()
    r = await client.post("/things/ok", content=b'{"name": "x"}', headers={"Content-Type": content_type})
    assert r.status_code == 415
    assert r.json()["type"] == "https://kite.gov.cn/problems/unsupported-media-type"
    assert "application/json" in r.json()["detail"]
    assert calls == []


async def test_a_json_body_that_is_not_utf8_is_the_documented_422_in_chinese(client):
    calls.clear()
    r = await client.post("/things/ok", content=b'{"name": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "https://kite.gov.cn/problems/validation" and "UTF-8" in r.json()["detail"]
    assert calls == []


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(client):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        r = await client.post("/things/ok", content=b'{"name": "x"}', headers={"Content-Type": content_type})
        assert r.status_code == 200, content_type


async def test_openapi_lists_the_problems_a_route_returns_with_the_problem_schema(client):
    spec = (await client.get("/openapi.json")).json()
    responses = spec["paths"]["/things/{thing}"]["post"]["responses"]
    problems = {code for code, r in responses.items() if code != "200"}
    assert problems == {"400", "401", "403", "404", "409", "412", "413", "415", "422"}
    for code in problems:
        content = responses[code]["content"]["application/problem+json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert content["example"]["status"] == int(code)
    schemas = spec["components"]["schemas"]
    assert {"type", "title", "status", "detail", "instance"} <= set(schemas["Problem"]["required"])
    assert "HTTPValidationError" not in schemas
    health = spec["paths"]["/livez"]["get"]["responses"]
    assert set(health) == {"200"}  # no token, no input: no problem to document
    unavailable = spec["paths"]["/things/backend/{failure}"]["get"]["responses"]["503"]  # it reaches the database
    assert unavailable["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "Retry-After" in unavailable["headers"]
    assert "503" not in responses  # a route that takes no runtime does not reach the database


@pytest.mark.parametrize(("cast", "value"), [("text", "张\x00三"), ("json", '{"name": "张\\u0000三"}')])
async def test_a_nul_character_the_database_cannot_store_is_422_not_500(client, cast, value):
    r = await client.get(f"/things/echo/{cast}", params={"q": value})
    assert r.status_code == 422
    assert r.json()["type"] == "https://kite.gov.cn/problems/bad-character"
    assert "NUL" in r.json()["detail"]
    ok = await client.get(f"/things/echo/{cast}", params={"q": value.replace("\x00", "").replace("\\u0000", "")})
    assert ok.status_code == 200


@pytest.mark.parametrize("failure", ["refused", "timeout"])
async def test_a_database_that_is_down_or_too_slow_is_503_with_retry_after(client, failure):
    r = await client.get(f"/things/backend/{failure}")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert r.json()["type"] == "https://kite.gov.cn/problems/unavailable"
    assert r.json()["detail"] == "数据服务暂时不可用，请稍后重试"
