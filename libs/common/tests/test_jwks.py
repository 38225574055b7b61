"""Tokens of an operator's identity provider, verified through its JWKS served over real HTTP:
RS256 and ES256, key rotation followed at once, unknown and forged keys refused."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from kite_common.auth.tokens import InvalidToken, TokenVerifier
from kite_common.clock import utcnow
from kite_common.domain import Unavailable
from kite_common.settings import AuthSettings

ISSUER = "https://idp.example.gov.cn"


class Provider:
    """An identity provider's JWKS endpoint: the keys it publishes can change while it runs."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.requests = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.requests += 1
                body = json.dumps({"keys": [provider.jwk(kid) for kid in provider.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, kid: str, kind: str) -> None:
        self.keys[kid] = (
            rsa.generate_private_key(65537, 2048) if kind == "RS256" else ec.generate_private_key(ec.SECP256R1())
        )

    def jwk(self, kid: str) -> dict[str, Any]:
        key = self.keys[kid]
        algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
        data = json.loads(algorithm.to_jwk(key.public_key()))
        return {**data, "kid": kid, "use": "sig"}

    def token(self, kid: str, **claims: Any) -> str:
        key = self.keys[kid]
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        now = utcnow()
        body = {
            "sub": "zhang.san",
            "roles": ["caseworker"],
            "jurisdiction": "522631",
            "iss": ISSUER,
            "aud": "kite",
            "iat": now,
            "exp": now + timedelta(minutes=5),
            **claims,
        }
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.server.shutdown()


def verifier_for(url: str, ttl_s: float = 300, min_refetch_s: float = 0) -> TokenVerifier:
    settings = AuthSettings(jwks_url=url, issuer=f"kite,{ISSUER}", jwks_ttl_s=ttl_s, jwks_min_refetch_s=min_refetch_s)
    return TokenVerifier(settings)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_a_provider_token_is_verified_through_its_jwks(provider, alg):
    provider.add("k1", alg)
    principal = await verifier_for(provider.url).authenticate(provider.token("k1"))
    assert (principal.subject, principal.jurisdiction, principal.roles) == ("zhang.san", "522631", {"caseworker"})


async def test_a_rotated_key_is_fetched_at_once_and_a_retired_one_is_refused_after_the_cache(provider):
    provider.add("2026-05", "ES256")
    verifier = verifier_for(provider.url)
    old_token = provider.token("2026-05")
    await verifier.authenticate(old_token)
    provider.add("2026-06", "RS256")  # the provider rotates: a new key, the old one still published
    assert (await verifier.authenticate(provider.token("2026-06"))).subject == "zhang.san"
    await verifier.authenticate(old_token)

    del provider.keys["2026-05"]  # the old key is retired; a verifier whose cache expired drops it
    fresh = verifier_for(provider.url, ttl_s=0)
    with pytest.raises(InvalidToken):
        await fresh.authenticate(old_token)
    assert (await fresh.authenticate(provider.token("2026-06"))).subject == "zhang.san"


async def test_forged_and_unknown_keys_are_refused_and_made_up_kids_do_not_hammer_the_provider(provider):
    provider.add("k1", "ES256")
    verifier = verifier_for(provider.url, min_refetch_s=600)
    await verifier.authenticate(provider.token("k1"))
    stranger = Provider()
    try:
        stranger.add("k1", "ES256")  # same kid, another key: the signature does not verify
        with pytest.raises(InvalidToken):
            await verifier.authenticate(stranger.token("k1"))
        before = provider.requests
        for _ in range(5):
            stranger.add(kid := f"made-up-{uuid.uuid4()}", "ES256")
            with pytest.raises(InvalidToken):
                await verifier.authenticate(stranger.token(kid))
        assert provider.requests - before <= 1
    finally:
        stranger.server.shutdown()


async def test_algorithm_confusion_and_bad_claims_are_refused(provider):
    provider.add("k1", "RS256")
    verifier = verifier_for(provider.url)
    await verifier.authenticate(provider.token("k1"))
    public_pem = provider.jwk("k1")["n"]
    hs = jwt.encode(
        {
            "sub": "x",
            "roles": ["admin"],
            "jurisdiction": "",
            "iss": ISSUER,
            "aud": "kite",
            "exp": utcnow() + timedelta(minutes=1),
        },
        public_pem,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    for token in (
        hs,
        provider.token("k1", iss="https://other-idp.example"),
        provider.token("k1", aud="someone-else"),
        provider.token("k1", exp=utcnow() - timedelta(minutes=1)),
        provider.token("k1", jurisdiction=None),
    ):
        with pytest.raises(InvalidToken):
            await verifier.authenticate(token)


async def test_an_unreachable_provider_with_no_known_keys_is_unavailable_not_unauthorised(provider):
    provider.add("k1", "ES256")
    token = provider.token("k1")
    provider.server.shutdown()
    provider.server.server_close()
    with pytest.raises(Unavailable):
        await verifier_for(provider.url).authenticate(token)
