"""FastAPI dependencies: every endpoint but health needs a valid bearer token."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kite_common.actor import set_actor
from kite_common.auth.principal import Principal
from kite_common.auth.rate_limit import limit_client
from kite_common.auth.tokens import InvalidToken, TokenVerifier
from kite_common.domain import Forbidden
from kite_common.http.problems import Unauthorized

_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌", code="missing-token")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.authenticate(credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized("访问令牌无效或已过期", code="invalid-token") from exc
    request.state.principal = principal
    set_actor(principal.subject)
    return principal


def require_scope(service: str) -> Callable[..., Coroutine[Any, Any, None]]:
    """A client system's token must hold `<service>:read` for reads and `<service>:write` for writes."""

    async def dependency(request: Request, principal: Principal = Depends(current_principal)) -> None:
        verb = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        limit_client(request, principal)
        if not principal.may(service, verb):
            raise Forbidden(f"该客户端无权{'读取' if verb == 'read' else '写入'}{service}", code="missing-scope")

    return dependency


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has_any(*roles):
            raise Forbidden(f"需要以下角色之一：{', '.join(roles)}", code="missing-role")
        return principal

    # Read by the authorisation matrix test, which derives every route's expected answers from it.
    dependency.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
    return dependency
