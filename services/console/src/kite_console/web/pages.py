"""What every page shares: templates, the signed-in session, CSRF, the security headers, the error pages."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from kite_console.web.api import Apis, PageNotFound, ServiceUnavailable, SignInRequired
from kite_console.web.sessions import COOKIE, Session, SessionStore

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=PACKAGE / "templates")  # autoescape on for .html: user text is escaped
# Templates ship with the package and do not change under a running process: compiled once, never
# checked on disk again (Jinja's default stats each template file, and each macro file it imports, per page).
templates.env.auto_reload = False

# No inline script and nothing from elsewhere. Styles may be set inline because ECharts positions its
# tooltip with style attributes; scripts, fonts, images and connections stay on this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def secure_request(request: Request) -> bool:
    """Whether the browser reached us over TLS (directly or through the ingress, X-Forwarded-Proto)."""
    setting = request.app.state.console_settings.cookie_secure
    if setting in ("true", "false"):
        return bool(setting == "true")
    return request.url.scheme == "https"


def render(
    request: Request, template: str, context: Mapping[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    session: Session | None = getattr(request.state, "session", None)
    return templates.TemplateResponse(
        request,
        template,
        {"session": session, "settings": request.app.state.console_settings, **(context or {})},
        status_code=status_code,
    )


def sign_in_redirect(request: Request) -> Response:
    """Back to sign-in, and then to the page the user was on. After a form was sent, that is the
    form's page (the browser keeps what was typed in its history: Back restores it)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        came_from = urlparse(request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "")
        same_site = came_from.netloc == request.url.netloc and came_from.path.startswith("/")
        target = came_from.path + (f"?{came_from.query}" if came_from.query else "") if same_site else "/"
    location = "/signin?next=" + quote(target, safe="")
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


class ConsoleRoute(APIRoute):
    """Every console route: security headers on each answer, and the pages for sign-in, not-found and
    an API that is down, whichever dependency or handler finds them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired:
                response = sign_in_redirect(request)
            except (PageNotFound, RequestValidationError):
                # A malformed id or form in a page's address is as unknown as a missing record.
                response = render(request, "not_found.html", status_code=404)
            except ServiceUnavailable as exc:
                log.warning("service %s unavailable", exc.service)
                response = render(request, "unavailable.html", status_code=503)
                response.headers["Retry-After"] = "5"
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            if response.media_type == "text/html" or response.headers.get("content-type", "").startswith("text/html"):
                response.headers.setdefault("Cache-Control", "no-store")
            return response

        return handle


def apis(request: Request) -> Apis:
    client: Apis = request.app.state.apis
    return client


def session_store(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


async def current_session(request: Request) -> Session:
    session = await session_store(request).get(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired
    request.state.session = session
    return session


async def checked_form_session(request: Request) -> Session:
    """A signed-in session whose form (or htmx request) carries its CSRF token."""
    session = await current_session(request)
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, session.csrf_token):
        raise CsrfRefused
    return session


class CsrfRefused(PageNotFound):
    """A form without its token (another site posting in the user's name) is shown nothing."""


SessionDep = Annotated[Session, Depends(current_session)]
FormSessionDep = Annotated[Session, Depends(checked_form_session)]
ApisDep = Annotated[Apis, Depends(apis)]


def local_time(value: str | None) -> str:
    """An API timestamp as county staff read it: Beijing time, to the minute."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def yuan(fen: int | None) -> str:
    """Money kept in fen, shown in yuan."""
    if fen is None:
        return "—"
    return f"{fen / 100:,.2f} 元"


templates.env.filters["local_time"] = local_time
templates.env.filters["yuan"] = yuan
