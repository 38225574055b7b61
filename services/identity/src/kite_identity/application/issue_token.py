"""The OAuth 2.0 client-credentials grant: a client proves who it is (RFC 7523 assertion or a
secret) and gets a short-lived ES256 access token with its scopes, roles and jurisdiction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from kite_common.auth.jwks import JwksKeys
from kite_common.db.types import Connection
from kite_common.domain import BadRequest, DomainError
from kite_common.http.problems import Problem
from kite_common.ids import new_id

from kite_identity.adapters.client_store import (
    ClientRecord,
    count_token,
    find_client,
    first_use_of_assertion,
    secret_matches,
    stored_secret,
)
from kite_identity.adapters.signing_keys import SigningKeys
from kite_identity.settings import IdentitySettings

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_ASSERTION_ALGORITHMS = ["RS256", "ES256"]


class OAuthError(Problem):
    """A refusal of the token endpoint: a problem detail that also carries RFC 6749's `error`."""

    def __init__(self, error: str, detail: str, status: int = 400, **extensions: Any) -> None:
        super().__init__(detail, status=status, code=f"oauth-{error.replace('_', '-')}", error=error, **extensions)


def invalid_client(detail: str = "客户端身份验证失败") -> OAuthError:
    # One answer for an unknown client, a wrong key or secret, a revoked client: nothing to probe.
    return OAuthError("invalid_client", detail, status=401)


class RateLimited(DomainError):
    code = "rate-limited"


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


@dataclass
class TokenService:
    settings: IdentitySettings
    keys: SigningKeys
    client_jwks: dict[str, JwksKeys]

    async def issue(self, conn: Connection, form: dict[str, str], endpoint: str, now: datetime) -> IssuedToken:
        if form.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type", "grant_type 应为 client_credentials")
        if form.get("client_assertion_type") or form.get("client_assertion"):
            client = await self._by_assertion(conn, form, endpoint, now)
        elif form.get("client_id") and form.get("client_secret"):
            client = await self._by_secret(conn, form["client_id"], form["client_secret"])
        else:
            raise OAuthError("invalid_request", "需提供 client_assertion（RFC 7523）或 client_id 与 client_secret")
        scopes = self._scopes(client, form.get("scope"))
        issued = await count_token(conn, client.client_id, now)
        if issued > self.settings.tokens_per_minute:
            retry = 60 - now.second
            raise OAuthError("slow_down", "取令牌过于频繁，请稍后再试", status=429, retry_after=retry)
        claims = {
            "iss": self.settings.issuer,
            "aud": self.settings.audience,
            "sub": f"client:{client.name}",
            "client_id": str(client.client_id),
            "name": client.name,
            "roles": client.roles,
            "jurisdiction": client.jurisdiction,
            "scope": " ".join(scopes),
            "iat": now,
            "exp": now + timedelta(seconds=self.settings.token_ttl_s),
            "jti": str(new_id()),
        }
        return IssuedToken(self.keys.sign(claims), self.settings.token_ttl_s, " ".join(scopes))

    async def _client(self, conn: Connection, client_id: str, method: str) -> ClientRecord:
        try:
            parsed = uuid.UUID(client_id)
        except ValueError as exc:
            raise invalid_client() from exc
        client = await find_client(conn, parsed)
        if client is None or client.revoked or client.auth_method != method:
            raise invalid_client()
        return client

    async def _by_secret(self, conn: Connection, client_id: str, secret: str) -> ClientRecord:
        client = await self._client(conn, client_id, "client_secret")
        stored = await stored_secret(conn, client.client_id)
        if stored is None or not secret_matches(secret, stored):
            raise invalid_client()
        return client

    async def _by_assertion(self, conn: Connection, form: dict[str, str], endpoint: str, now: datetime) -> ClientRecord:
        if form.get("client_assertion_type") != JWT_BEARER or not form.get("client_assertion"):
            raise OAuthError("invalid_request", f"client_assertion_type 应为 {JWT_BEARER}，并提供 client_assertion")
        assertion = form["client_assertion"]
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise invalid_client("client_assertion 不是有效的 JWT") from exc
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or unverified.get("sub") != issuer:
            raise invalid_client("断言的 iss 与 sub 应同为 client_id")
        if form.get("client_id") not in (None, issuer):
            raise invalid_client("client_id 与断言不符")
        client = await self._client(conn, issuer, "private_key_jwt")
        key = await self._assertion_key(client, header)
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=_ASSERTION_ALGORITHMS,
                audience=[endpoint, self.settings.issuer],
                issuer=str(client.client_id),
                options={"require": ["exp", "jti", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OAuthError("invalid_client", "断言已过期", status=401) from exc
        except jwt.PyJWTError as exc:
            raise invalid_client() from exc
        expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
        if expires - now > timedelta(seconds=self.settings.assertion_max_lifetime_s):
            raise OAuthError("invalid_client", "断言有效期过长（最长五分钟）", status=401)
        if not await first_use_of_assertion(conn, client.client_id, str(claims["jti"]), expires):
            raise OAuthError("invalid_client", "断言已被使用过（jti 重放）", status=401)
        return client

    async def _assertion_key(self, client: ClientRecord, header: dict[str, Any]) -> Any:
        kid = header.get("kid")
        if client.jwks_url:
            cache = self.client_jwks.setdefault(client.jwks_url, JwksKeys([client.jwks_url]))
            if isinstance(kid, str) and kid:
                await cache.ensure(kid)
                found = cache.get(kid)
                if found is not None:
                    return found.key
            raise invalid_client()
        for data in client.public_keys:
            if kid is None or data.get("kid") == kid:
                try:
                    return jwt.PyJWK(data).key
                except jwt.PyJWTError as exc:
                    raise invalid_client() from exc
        raise invalid_client()

    def _scopes(self, client: ClientRecord, requested: str | None) -> list[str]:
        if not requested:
            return client.scopes
        wanted = requested.split()
        lacking = sorted(set(wanted) - set(client.scopes))
        if lacking:
            raise OAuthError("invalid_scope", f"该客户端没有以下权限：{' '.join(lacking)}", lacking=lacking)
        return sorted(set(wanted))


def parse_form(body: bytes) -> dict[str, str]:
    from urllib.parse import parse_qs

    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("请求体应为 application/x-www-form-urlencoded", code="invalid-form") from exc
    if any(len(v) > 1 for v in fields.values()):
        raise OAuthError("invalid_request", "参数不能重复")
    return {k: v[0] for k, v in fields.items()}
