"""Sign in (a dev user locally, OpenID Connect in production) and sign out."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from kite_common.auth.tokens import InvalidToken, issue_dev_token
from kite_common.domain import Unavailable
from kite_common.settings import AuthSettings

from kite_console.signin.dev_users import COUNTIES, DEV_USERS, ROLES
from kite_console.signin.oidc import OidcError, OidcSignIn
from kite_console.web.api import PageNotFound
from kite_console.web.pages import ConsoleRoute, FormSessionDep, render, secure_request, session_store
from kite_console.web.sessions import COOKIE

router = APIRouter(route_class=ConsoleRoute)
PRE_COOKIE = "kite_signin_csrf"  # double-submit token of the sign-in form (no session yet)


def safe_next(value: str | None) -> str:
    """Only a path of this console: never an open redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=request.app.state.console_settings.session_ttl_s,
        httponly=True,
        secure=secure_request(request),
        samesite="lax",
        path="/",
    )


@router.get("/signin", include_in_schema=False)
async def sign_in_page(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    settings = request.app.state.console_settings
    response = render(
        request,
        "signin.html",
        {
            "next": safe_next(next),
            "pre_token": pre,
            "dev_enabled": settings.dev_sign_in,
            "oidc_enabled": bool(settings.oidc_issuer and settings.oidc_client_id),
            "counties": COUNTIES,
            "roles": ROLES,
            "users": DEV_USERS,
            "error": request.query_params.get("error"),
        },
    )
    response.set_cookie(PRE_COOKIE, pre, httponly=True, secure=secure_request(request), samesite="lax", path="/signin")
    return response


@router.post("/signin/dev", include_in_schema=False)
async def dev_sign_in(
    request: Request,
    user: Annotated[str, Form(max_length=100)],
    csrf_token: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    settings = request.app.state.console_settings
    secret = AuthSettings().jwt_secret
    pre = request.cookies.get(PRE_COOKIE, "")
    if not settings.dev_sign_in or secret is None or not pre or not hmac.compare_digest(pre, csrf_token):
        raise PageNotFound
    dev = DEV_USERS.get(user)
    if dev is None:
        return RedirectResponse("/signin?error=unknown-user&next=" + quote(safe_next(next), safe=""), status_code=303)
    ttl = timedelta(seconds=settings.session_ttl_s)
    token = issue_dev_token(
        secret.get_secret_value(),
        subject=f"dev-{dev.key}",
        roles=list(dev.roles),
        jurisdiction=dev.county,
        name=dev.name,
        ttl=ttl,
    )
    session_id = await session_store(request).create(
        subject=f"dev-{dev.key}", name=dev.name, roles=list(dev.roles), jurisdiction=dev.county, token=token
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_session_cookie(request, response, session_id)
    return response


@router.get("/signin/oidc", include_in_schema=False)
async def oidc_start(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is None:
        raise PageNotFound
    try:
        url = await oidc.start(_redirect_uri(request), safe_next(next))
    except OidcError:
        return RedirectResponse("/signin?error=oidc", status_code=303)
    return RedirectResponse(url, status_code=302)


@router.get("/signin/oidc/callback", include_in_schema=False)
async def oidc_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is None:
        raise PageNotFound
    try:
        signed_in = await oidc.finish(_redirect_uri(request), code, state)
        # Checked as the services will check it (their JWKS, issuer, audience, roles, jurisdiction).
        principal = await request.app.state.token_verifier.authenticate(signed_in.access_token)
    except (OidcError, InvalidToken, Unavailable):
        return RedirectResponse("/signin?error=oidc", status_code=303)
    session_id = await session_store(request).create(
        subject=principal.subject,
        name=principal.name or signed_in.name or principal.subject,
        roles=sorted(principal.roles),
        jurisdiction=principal.jurisdiction,
        token=signed_in.access_token,
    )
    response = RedirectResponse(signed_in.next_path, status_code=303)
    _set_session_cookie(request, response, session_id)
    return response


def _redirect_uri(request: Request) -> str:
    base = request.app.state.console_settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + "/signin/oidc/callback"


@router.post("/signout", include_in_schema=False)
async def sign_out(request: Request, session: FormSessionDep) -> Response:
    await session_store(request).delete(request.cookies.get(COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
