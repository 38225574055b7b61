"""OpenID Connect sign-in: authorization code with PKCE (S256), state and nonce (Authlib for the
PKCE and token helpers, joserfc to verify the ID token).

The provider's access token is what the console sends to the APIs; the services verify it against
the provider's keys (KITE_AUTH_JWKS_URL), so roles and jurisdiction come from the provider's claims.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from kite_console.settings import ConsoleSettings

SIGN_IN_TTL_S = 600


class OidcError(Exception):
    pass


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    name: str
    next_path: str


class OidcSignIn:
    def __init__(self, settings: ConsoleSettings, pool: asyncpg.Pool) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        self.scopes = settings.oidc_scopes
        self.pool = pool
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._metadata_at > 3600:
            try:
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.get(self.issuer + "/.well-known/openid-configuration")
                    response.raise_for_status()
                    self._metadata = response.json()
                    self._metadata_at = time.monotonic()
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcError("provider unreachable") from exc
        assert self._metadata is not None
        return self._metadata

    async def start(self, redirect_uri: str, next_path: str) -> str:
        metadata = await self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = add_params_to_uri(
            metadata["authorization_endpoint"],
            [
                ("response_type", "code"),
                ("client_id", self.client_id),
                ("redirect_uri", redirect_uri),
                ("scope", self.scopes),
                ("state", state),
                ("nonce", nonce),
                ("code_challenge", create_s256_code_challenge(verifier)),
                ("code_challenge_method", "S256"),
            ],
        )
        await self.pool.execute(
            "DELETE FROM console_sign_ins WHERE created_at < now() - make_interval(secs => $1)", SIGN_IN_TTL_S
        )
        await self.pool.execute(
            "INSERT INTO console_sign_ins (state, code_verifier, nonce, next_path) VALUES ($1, $2, $3, $4)",
            state,
            verifier,
            nonce,
            next_path,
        )
        return str(url)

    async def finish(self, redirect_uri: str, code: str | None, state: str | None) -> SignedIn:
        if not code or not state:
            raise OidcError("missing code or state")
        row = await self.pool.fetchrow(
            """DELETE FROM console_sign_ins WHERE state = $1
               AND created_at > now() - make_interval(secs => $2) RETURNING code_verifier, nonce, next_path""",
            state,
            SIGN_IN_TTL_S,
        )
        if row is None:
            raise OidcError("unknown or expired state")
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": row["code_verifier"],
            "client_id": self.client_id,
        }
        auth = httpx.BasicAuth(self.client_id, self.client_secret) if self.client_secret else httpx.USE_CLIENT_DEFAULT
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(metadata["token_endpoint"], data=form, auth=auth)
                response.raise_for_status()
                token = response.json()
                keys = (await client.get(metadata["jwks_uri"])).json()
        except (httpx.HTTPError, ValueError) as exc:  # the provider refused or answered garbage
            raise OidcError("token exchange failed") from exc
        id_token, access_token = token.get("id_token"), token.get("access_token")
        if not id_token or not access_token:
            raise OidcError("the provider returned no id_token or access_token")
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(keys))
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": metadata.get("issuer", self.issuer)},
                aud={"essential": True, "value": self.client_id},
                nonce={"essential": True, "value": row["nonce"]},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError, KeyError) as exc:
            raise OidcError("invalid id_token") from exc
        return SignedIn(str(access_token), str(decoded.claims.get("name", "")), row["next_path"])
