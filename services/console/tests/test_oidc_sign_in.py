"""Sign-in through an OpenID Connect provider (authorization code + PKCE): the console starts the
flow, the provider redirects back, the console exchanges the code with its verifier, checks the ID
token and keeps the provider's access token (verified like the services verify it) in the session."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from kite_common.testing.stack import RunningService, running
from kite_console.service import SERVICE as CONSOLE

from .oidc_provider import Provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    server = p.start()
    yield p
    server.stop()


@pytest.fixture(scope="module")
async def oidc_console(infra, provider: Provider) -> AsyncIterator[RunningService]:
    env = {
        "KITE_CONSOLE_OIDC_ISSUER": provider.issuer,
        "KITE_CONSOLE_OIDC_CLIENT_ID": provider.client_id,
        "KITE_AUTH_JWKS_URL": provider.issuer + "/jwks",
        "KITE_AUTH_ISSUER": provider.issuer,
        "KITE_CONSOLE_DEV_SIGN_IN": "false",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        async with running(infra, CONSOLE, "toidc.", roles=("api",)) as web:
            yield web
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def test_sign_in_with_the_provider_and_pkce(oidc_console: RunningService, provider: Provider) -> None:
    async with httpx.AsyncClient(base_url=oidc_console.base_url, timeout=30) as browser:
        page = await browser.get("/signin")
        assert "使用单位统一身份认证登录" in page.text and "本地开发账号" not in page.text
        start = await browser.get("/signin/oidc", params={"next": "/members/new"})
        assert start.status_code == 302
        authorize = urlparse(start.headers["location"])
        query = parse_qs(authorize.query)
        assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
        assert "code_verifier" not in query  # only the challenge leaves the console
        at_provider = await browser.get(start.headers["location"])
        callback = await browser.get(at_provider.headers["location"])
        assert callback.status_code == 303 and callback.headers["location"] == "/members/new"
        assert "kite_session=" in callback.headers["set-cookie"]
        signed_in = await browser.get("/members/new")
        replay = await browser.get(at_provider.headers["location"])  # the same code and state again
    assert signed_in.status_code == 200
    assert "李明（统一认证）" in signed_in.text and "管辖 530625" in signed_in.text
    assert replay.status_code == 303 and replay.headers["location"] == "/signin?error=oidc"


async def test_a_callback_without_a_started_sign_in_is_refused(
    oidc_console: RunningService, provider: Provider
) -> None:
    issued = provider.tokens_issued
    async with httpx.AsyncClient(base_url=oidc_console.base_url) as browser:
        answer = await browser.get("/signin/oidc/callback", params={"code": "stolen", "state": "made-up"})
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?error=oidc"
    assert "kite_session" not in answer.headers.get("set-cookie", "")
    assert provider.tokens_issued == issued


async def test_dev_sign_in_is_off_unless_configured(oidc_console: RunningService) -> None:
    async with httpx.AsyncClient(base_url=oidc_console.base_url) as browser:
        page = await browser.get("/signin")
        token = page.cookies.get("kite_signin_csrf", "")
        answer = await browser.post("/signin/dev", data={"user": "530625-admin", "csrf_token": token})
    assert answer.status_code == 404 and "kite_session" not in answer.headers.get("set-cookie", "")
