"""JWT bearer tokens: verified against a shared secret (HS256), a PEM public key, or the keys of
JWKS URLs (RS256, ES256: an operator's identity provider, Kite's own identity service); issued
locally for dev."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt

from kite_common.auth.jwks import JwksKeys
from kite_common.auth.principal import Principal
from kite_common.clock import utcnow
from kite_common.settings import AuthSettings

ASYMMETRIC = ("RS256", "ES256")
# Verified tokens are remembered, so a client sending the same token again is not verified again (the
# signature check and claim validation are most of what authentication costs). Bounded both ways: at
# most this many tokens, each for at most this long and never past its own `exp`; so a key removed from
# a JWKS stops accepting its tokens within a minute, as a JWKS refresh would.
VERIFIED_CACHE_SIZE = 1024
VERIFIED_CACHE_SECONDS = 60.0


class InvalidToken(Exception):
    pass


class TokenVerifier:
    def __init__(self, settings: AuthSettings | None = None) -> None:
        self.settings = settings or AuthSettings()
        urls = [u.strip() for u in (self.settings.jwks_url or "").split(",") if u.strip()]
        self.jwks = JwksKeys(urls, self.settings.jwks_ttl_s, self.settings.jwks_min_refetch_s) if urls else None
        if not (self.settings.jwt_secret or self.settings.jwt_public_key or self.jwks):
            raise RuntimeError("no token verification key: set KITE_AUTH_JWT_SECRET, _JWT_PUBLIC_KEY or _JWKS_URL")
        self._issuers = [i.strip() for i in self.settings.issuer.split(",") if i.strip()]
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self.clock: Callable[[], float] = time.time  # seconds since the epoch, as `exp` counts them

    def _remembered(self, token: str) -> Principal | None:
        hit = self._verified.get(token)
        if hit is None:
            return None
        principal, until = hit
        if self.clock() >= until:  # PyJWT rejects a token at its exp second too (no leeway)
            del self._verified[token]
            return None
        self._verified.move_to_end(token)
        return principal

    def _remember(self, token: str, principal: Principal, exp: Any) -> None:
        if not isinstance(exp, int | float):
            return
        self._verified[token] = (principal, min(float(exp), self.clock() + VERIFIED_CACHE_SECONDS))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)

    async def authenticate(self, token: str) -> Principal:
        """`verify`, after fetching the JWKS when the token names a key not yet known."""
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        if self.jwks is not None:
            try:
                header = jwt.get_unverified_header(token)
            except jwt.PyJWTError as exc:
                raise InvalidToken(str(exc)) from exc
            kid = header.get("kid")
            if header.get("alg") in ASYMMETRIC and isinstance(kid, str) and kid:
                await self.jwks.ensure(kid)
        return self.verify(token)

    def _key(self, token: str) -> tuple[Any, list[str]]:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg", "")
        allowed = [a for a in self.settings.algorithms if a in ASYMMETRIC]
        if alg == "HS256" and "HS256" in self.settings.algorithms:
            if self.settings.jwt_secret is None:
                raise InvalidToken("unexpected algorithm")
            return self.settings.jwt_secret.get_secret_value(), ["HS256"]
        if alg not in allowed:
            raise InvalidToken("unexpected algorithm")
        kid = header.get("kid")
        if self.jwks is not None and isinstance(kid, str):
            found = self.jwks.get(kid)
            if found is not None:
                if found.algorithm_name != alg:
                    raise InvalidToken("key and algorithm do not match")
                return found.key, [alg]
        if self.settings.jwt_public_key:
            return self.settings.jwt_public_key, [alg]
        raise InvalidToken("unknown signing key")

    def verify(self, token: str) -> Principal:
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        try:
            key, algorithms = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.audience,
                issuer=self._issuers,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
            roles = claims.get("roles", [])
            jurisdiction = claims.get("jurisdiction", None)
            if not isinstance(roles, list) or not isinstance(jurisdiction, str):
                raise InvalidToken("token lacks roles or jurisdiction")
            scope = claims.get("scope")
            if scope is not None and not isinstance(scope, str):
                raise InvalidToken("scope must be a space-separated string")
            principal = Principal(
                subject=str(claims["sub"]),
                roles=frozenset(str(r) for r in roles),
                jurisdiction=jurisdiction,
                name=str(claims.get("name", "")),
                scopes=frozenset(scope.split()) if scope is not None else None,
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
        self._remember(token, principal, claims["exp"])
        return principal


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
