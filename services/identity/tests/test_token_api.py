"""The token endpoint over real HTTP: a registered client system takes short-lived ES256 tokens by
RFC 7523 assertion or by secret, verifiable through Kite's JWKS; every bad attempt is a problem that
tells nothing of which clients exist."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from kite_common.auth.tokens import TokenVerifier
from kite_common.settings import AuthSettings
from kite_common.testing.oauth_client import ClientSystem
from kite_common.testing.stack import TEST_IDENTITY_KEY_2, TEST_SECRETS, answer, auth, running
from kite_identity.service import SERVICE as IDENTITY
from typer.testing import CliRunner

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SCOPES = ["casework:read", "casework:write", "casework:events"]


@pytest.fixture
async def identity(infra, prefix):
    async with running(infra, IDENTITY, prefix, roles=("api",)) as svc:
        yield svc


@pytest.fixture
def system():
    s = ClientSystem()
    yield s
    s.close()


async def register(
    http, system: ClientSystem | None, name: str = "hotline-12345", admin_area: str = "5226", **overrides
) -> dict:
    body = {
        "name": name,
        "auth_method": "private_key_jwt" if system else "client_secret",
        "scopes": SCOPES,
        "roles": ["caseworker"],
        "jurisdiction": "522631",
        **({"jwks_url": system.jwks_url} if system else {}),
        **overrides,
    }
    r = await http.post("/clients", json=body, headers=auth(["admin"], admin_area))
    assert r.status_code == 201, r.text
    return r.json()


def verifier(base_url: str) -> TokenVerifier:
    return TokenVerifier(AuthSettings(jwks_url=f"{base_url}/.well-known/jwks.json", jwks_min_refetch_s=0))


async def test_a_client_takes_a_token_by_assertion_and_services_verify_it_through_the_jwks(identity, system):
    async with identity.client() as http:
        client = await register(http, system)
        assert client["client_secret"] is None
        endpoint = f"{identity.base_url}/oauth/token"
        r = await http.post("/oauth/token", data=system.token_form(client["client_id"], endpoint), headers=FORM)
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 600, " ".join(sorted(SCOPES)))
        principal = await verifier(identity.base_url).authenticate(body["access_token"])
        assert principal.subject == "client:hotline-12345"
        assert (principal.jurisdiction, principal.roles) == ("522631", {"caseworker"})
        assert principal.may("casework", "write") and not principal.may("roster", "read")

        narrower = system.token_form(client["client_id"], endpoint, scope="casework:events")
        r = await http.post("/oauth/token", data=narrower, headers=FORM)
        assert r.json()["scope"] == "casework:events"


async def test_a_secret_client_gets_its_secret_once_and_a_wrong_secret_answers_as_an_unknown_client(identity):
    async with identity.client() as http:
        client = await register(http, None, name="hr-system")
        secret = client["client_secret"]
        assert secret and len(secret) >= 32
        again = await http.get(f"/clients/{client['client_id']}", headers=auth(["admin"], "5226"))
        assert again.json()["client_secret"] is None
        good = {"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": secret}
        assert (await http.post("/oauth/token", data=good, headers=FORM)).status_code == 200
        wrong = await http.post("/oauth/token", data={**good, "client_secret": "x" * 43}, headers=FORM)
        unknown = await http.post(
            "/oauth/token", data={**good, "client_id": "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"}, headers=FORM
        )
        assert answer(wrong) == answer(unknown)
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        assert secret not in wrong.text


async def test_replayed_expired_long_lived_and_foreign_assertions_are_refused(identity, system):
    async with identity.client() as http:
        client = await register(http, system)
        cid, endpoint = client["client_id"], f"{identity.base_url}/oauth/token"
        form = system.token_form(cid, endpoint)
        assert (await http.post("/oauth/token", data=form, headers=FORM)).status_code == 200
        replay = await http.post("/oauth/token", data=form, headers=FORM)
        assert (replay.status_code, replay.json()["error"]) == (401, "invalid_client")
        assert "重放" in replay.json()["detail"]
        expired = system.token_form(cid, endpoint, lifetime=timedelta(seconds=-30))
        assert (await http.post("/oauth/token", data=expired, headers=FORM)).json()["detail"] == "断言已过期"
        too_long = system.token_form(cid, endpoint, lifetime=timedelta(hours=1))
        assert (await http.post("/oauth/token", data=too_long, headers=FORM)).status_code == 401
        wrong_audience = system.token_form(cid, "https://elsewhere.example/token")
        assert (await http.post("/oauth/token", data=wrong_audience, headers=FORM)).status_code == 401
        impostor = ClientSystem(kid=system.kid)  # same kid, another key
        try:
            forged = await http.post("/oauth/token", data=impostor.token_form(cid, endpoint), headers=FORM)
            assert (forged.status_code, forged.json()["error"]) == (401, "invalid_client")
            assert "access_token" not in forged.text
        finally:
            impostor.close()


async def test_bad_requests_and_lacking_scopes_are_oauth_problems(identity, system):
    async with identity.client() as http:
        client = await register(http, system)
        endpoint = f"{identity.base_url}/oauth/token"
        lacking = await http.post(
            "/oauth/token", data=system.token_form(client["client_id"], endpoint, scope="roster:read"), headers=FORM
        )
        assert (lacking.status_code, lacking.json()["error"], lacking.json()["lacking"]) == (
            400,
            "invalid_scope",
            ["roster:read"],
        )
        assert lacking.headers["content-type"] == "application/problem+json"
        grant = await http.post("/oauth/token", data={"grant_type": "password"}, headers=FORM)
        assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
        nothing = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=FORM)
        assert (nothing.status_code, nothing.json()["error"]) == (400, "invalid_request")
        as_json = await http.post("/oauth/token", json={"grant_type": "client_credentials"})
        assert as_json.status_code == 400
        garbage = {"grant_type": "client_credentials", "client_assertion_type": "x", "client_assertion": "y"}
        assert (await http.post("/oauth/token", data=garbage, headers=FORM)).status_code == 400


async def test_a_revoked_client_gets_no_token(identity, system):
    async with identity.client() as http:
        client = await register(http, system)
        r = await http.post(
            f"/clients/{client['client_id']}/revoke", json={"reason": "系统下线"}, headers=auth(["admin"], "5226")
        )
        assert (r.status_code, r.json()["revoked"]) == (200, True)
        form = system.token_form(client["client_id"], f"{identity.base_url}/oauth/token")
        assert (await http.post("/oauth/token", data=form, headers=FORM)).status_code == 401


async def test_registering_is_for_admins_of_the_area_and_checks_the_request(identity, system):
    async with identity.client() as http:
        body = {
            "name": "hotline",
            "auth_method": "private_key_jwt",
            "jwks_url": system.jwks_url,
            "scopes": SCOPES,
            "roles": ["caseworker"],
            "jurisdiction": "110101",
        }
        outside = await http.post("/clients", json=body, headers=auth(["admin"], "5226"))
        assert (outside.status_code, outside.json()["type"]) == (
            403,
            "https://kite.gov.cn/problems/outside-jurisdiction",
        )
        viewer = await http.post("/clients", json={**body, "jurisdiction": "522631"}, headers=auth(["viewer"], "5226"))
        assert viewer.status_code == 403
        for bad in (
            {"scopes": ["casework:delete"]},
            {"roles": ["admin"]},
            {"name": "Hotline 12345"},
            {"jwks_url": None},
        ):
            r = await http.post(
                "/clients", json={**body, "jurisdiction": "522631", **bad}, headers=auth(["admin"], "5226")
            )
            assert r.status_code == 422, bad
        await register(http, system, name="dup")
        twice = await http.post(
            "/clients", json={**body, "jurisdiction": "522631", "name": "dup"}, headers=auth(["admin"])
        )
        assert twice.status_code == 409
        client = await register(http, system, name="elsewhere", admin_area="", jurisdiction="110101")
        hidden = await http.get(f"/clients/{client['client_id']}", headers=auth(["admin"], "5226"))
        assert hidden.status_code == 404


async def test_tokens_per_client_are_rate_limited_with_retry_after(infra, prefix, system, monkeypatch):
    monkeypatch.setenv("KITE_IDENTITY_TOKENS_PER_MINUTE", "2")
    async with running(infra, IDENTITY, prefix, roles=("api",)) as identity, identity.client() as http:
        client = await register(http, system)
        endpoint = f"{identity.base_url}/oauth/token"
        # Five in a row: whatever minute boundary falls between them, one minute sees a third.
        statuses = [
            await http.post("/oauth/token", data=system.token_form(client["client_id"], endpoint), headers=FORM)
            for _ in range(5)
        ]
        assert statuses[0].status_code == 200
        assert {r.status_code for r in statuses} == {200, 429}
        limited = next(r for r in statuses if r.status_code == 429)
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["error"] == "slow_down"


async def test_keys_rotate_without_downtime(infra, prefix, system, monkeypatch):
    """Rotation: the new key is published beside the old, then signs; tokens of the old key stay
    valid as long as it is published."""
    database = await infra.fresh_database(IDENTITY)
    try:
        async with (
            running(infra, IDENTITY, prefix, roles=("api",), dsn=database) as identity,
            identity.client() as http,
        ):
            client = await register(http, system)
            form = system.token_form(client["client_id"], f"{identity.base_url}/oauth/token")
            old_token = (await http.post("/oauth/token", data=form, headers=FORM)).json()["access_token"]
        old_key = TEST_SECRETS["KITE_IDENTITY_SIGNING_KEYS"]
        monkeypatch.setenv("KITE_IDENTITY_SIGNING_KEYS", f"{TEST_IDENTITY_KEY_2},{old_key}")
        async with (
            running(infra, IDENTITY, prefix, roles=("api",), dsn=database) as identity,
            identity.client() as http,
        ):
            published = (await http.get("/.well-known/jwks.json")).json()
            assert [k["kid"] for k in published["keys"]] == ["id-test-2", "id-test-1"]
            assert all("d" not in k for k in published["keys"])  # no private part
            form = system.token_form(client["client_id"], f"{identity.base_url}/oauth/token")
            new_token = (await http.post("/oauth/token", data=form, headers=FORM)).json()["access_token"]
            check = verifier(identity.base_url)
            assert (await check.authenticate(old_token)).subject == "client:hotline-12345"
            assert (await check.authenticate(new_token)).subject == "client:hotline-12345"
    finally:
        await infra.drop(database)


async def test_kite_identity_clients_add_registers_from_the_command_line(identity, monkeypatch):
    from kite_identity.cli import cli

    monkeypatch.setenv("DATABASE_URL", identity.dsn)
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli(),
        ["clients", "add", "dashboard", "--scopes", "casework:events", "--jurisdiction", "5226", "--secret"],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    async with identity.client() as http:
        form = {
            "grant_type": "client_credentials",
            "client_id": printed["client_id"],
            "client_secret": printed["client_secret"],
        }
        r = await http.post("/oauth/token", data=form, headers=FORM)
        assert (r.status_code, r.json()["scope"]) == (200, "casework:events")
