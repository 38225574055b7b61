"""JWT bearer tokens: verified against a shared secret, a PEM key or a JWKS; issued locally for dev."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt

from kite_common.auth.principal import Principal
from kite_common.clock import utcnow
from kite_common.settings import AuthSettings


class InvalidToken(Exception):
    pass


class TokenVerifier:
    def __init__(self, settings: AuthSettings | None = None) -> None:
        self.settings = settings or AuthSettings()
        self._jwks = jwt.PyJWKClient(self.settings.jwks_url) if self.settings.jwks_url else None
        if not (self.settings.jwt_secret or self.settings.jwt_public_key or self._jwks):
            raise RuntimeError("no token verification key: set KITE_AUTH_JWT_SECRET, _JWT_PUBLIC_KEY or _JWKS_URL")

    def _key(self, token: str) -> tuple[Any, list[str]]:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg", "")
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key, [a for a in self.settings.algorithms if a != "HS256"]
        if self.settings.jwt_public_key:
            return self.settings.jwt_public_key, [a for a in self.settings.algorithms if a != "HS256"]
        assert self.settings.jwt_secret is not None
        if alg != "HS256":
            raise InvalidToken("unexpected algorithm")
        return self.settings.jwt_secret.get_secret_value(), ["HS256"]

    def verify(self, token: str) -> Principal:
        try:
            key, algorithms = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
            roles = claims.get("roles", [])
            jurisdiction = claims.get("jurisdiction", None)
            if not isinstance(roles, list) or not isinstance(jurisdiction, str):
                raise InvalidToken("token lacks roles or jurisdiction")
            scope = claims.get("scope")
            if scope is not None and not isinstance(scope, str):
                raise InvalidToken("scope must be a space-separated string")
            return Principal(
                subject=str(claims["sub"]),
                roles=frozenset(str(r) for r in roles),
                jurisdiction=jurisdiction,
                name=str(claims.get("name", "")),
                scopes=frozenset(scope.split()) if scope is not None else None,
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc


def issue_dev_token(
    secret: str,
    *,
    subject: str = "dev",
    roles: list[str] | None = None,
    jurisdiction: str = "",
    name: str = "开发者",
    ttl: timedelta = timedelta(hours=12),
    issuer: str = "kite",
    audience: str = "kite",
) -> str:
    now = utcnow()
    claims = {
        "sub": subject,
        "name": name,
        "roles": roles if roles is not None else ["admin"],
        "jurisdiction": jurisdiction,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
