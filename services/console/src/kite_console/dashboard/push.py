"""Open dashboards refreshed by the server: a panel read and rendered once per key, pushed to every
page of that key.

A dashboard's `/live` names the ledger and area it shows; with the session's jurisdiction, roles and
its token's scope, issuer and audience that is the page's key (`PanelKey`). The ledger APIs answer
the same to every token with the same jurisdiction, roles and scope (none of them reads the caller's
subject), so when an event concerns a key's jurisdiction the panel is read once, with the token of a
session of that key still signed in, and the same HTML (which holds nothing of a session: no CSRF
token, no name) is sent to each of its pages. A page whose session has ended or expired is sent no
panel: only "changed", which makes it ask for its panel and be sent to sign in.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from kite_console.dashboard.live import LiveHub, Subscriber
from kite_console.dashboard.panel import read_panel, render_panel
from kite_console.web.api import Apis, ServiceUnavailable, SignInRequired
from kite_console.web.sessions import Session

log = logging.getLogger(__name__)
SETTLE_S = 0.05  # a run of events that arrives in a few fetches is read once
TOKENS_TRIED = 3  # tokens of a group the APIs refuse before its pages are left to ask for themselves


@dataclass(frozen=True)
class PanelKey:
    """What a panel's reads depend on."""

    jurisdiction: str
    roles: frozenset[str]
    scope: str | None  # the token's `scope`: a token with scopes is limited to them (kite_common.auth)
    issuer: str
    audience: str
    area: str
    ledger: str


@dataclass(frozen=True)
class Viewer:
    session_hash: bytes
    session: Session
    token_expires: float  # the token's `exp`: past it, the APIs would refuse it


def viewer_key(session: Session, session_hash: bytes, area: str, ledger: str) -> tuple[PanelKey, Viewer] | None:
    """A page's key and viewer, or None when its token cannot be read (the page is then only signalled)."""
    claims = _claims(session.token)
    if claims is None:
        return None
    scope, exp = claims.get("scope"), claims.get("exp")
    if (scope is not None and not isinstance(scope, str)) or not isinstance(exp, int | float):
        return None
    audience = claims.get("aud")
    key = PanelKey(
        jurisdiction=session.jurisdiction,
        roles=session.roles,
        scope=scope,
        issuer=str(claims.get("iss", "")),
        audience=" ".join(sorted(audience)) if isinstance(audience, list) else str(audience),
        area=area,
        ledger=ledger,
    )
    return key, Viewer(session_hash, session, float(exp))


def _claims(token: str) -> dict[str, Any] | None:
    """A JWT's claims, read without checking its signature: the APIs check it on every read. The token
    is the one this session signed in with (kept server-side), so it cannot be another's."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


class PanelPush:
    """The live hub's refresher for grouped pages."""

    def __init__(
        self,
        hub: LiveHub,
        apis: Callable[[], Apis],
        still_signed_in: Callable[[set[bytes]], Awaitable[set[bytes]]],
    ) -> None:
        self.hub = hub
        self.apis = apis
        self.still_signed_in = still_signed_in
        self.dirty: set[Hashable] = set()
        self.task: asyncio.Task[None] | None = None
        self.reads = 0  # panels read (for tests and the bench)

    def __call__(self, groups: set[Hashable]) -> None:
        self.dirty |= groups
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._work(), name="panel-push")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _work(self) -> None:
        while self.dirty:
            await asyncio.sleep(SETTLE_S)
            groups, self.dirty = self.dirty, set()
            try:
                members = self.hub.members(groups)
                hashes = {s.viewer.session_hash for pages in members.values() for s in pages}
                signed_in = await self.still_signed_in(hashes) if hashes else set()
                await asyncio.gather(*(self._refresh(k, pages, signed_in) for k, pages in members.items()))
            except Exception:
                log.exception("pushing panels failed")

    async def _refresh(self, key: Hashable, pages: list[Subscriber], signed_in: set[bytes]) -> None:
        assert isinstance(key, PanelKey)
        now = time.time()
        live: list[Subscriber] = []
        for page in pages:
            viewer: Viewer = page.viewer
            if viewer.session_hash in signed_in and viewer.token_expires > now:
                live.append(page)
            else:
                page.end()
        tried: set[str] = set()
        while live and len(tried) < TOKENS_TRIED:
            viewer = next(p.viewer for p in live if p.viewer.session.token not in tried)
            token = viewer.session.token
            tried.add(token)
            try:
                reads = await read_panel(viewer.session, self.apis(), key.area, key.ledger)
            except SignInRequired:  # the APIs refuse this token (revoked key, clock): its pages sign in again
                for page in [p for p in live if p.viewer.session.token == token]:
                    page.end()
                    live.remove(page)
                continue
            except ServiceUnavailable as exc:  # the pages keep what they show until the next event
                log.warning("service %s unavailable: panels not pushed", exc.service)
                return
            self.reads += 1
            if not reads.shareable:
                for page in live:
                    page.signal("changed")
                return
            event = sse("panel", render_panel(reads.context))
            for page in live:
                page.push(event)
            return
        for page in live:  # every token tried was refused: each page asks with its own session
            page.signal("changed")


def sse(event: str, data: str) -> str:
    """A server-sent event; the browser joins its data lines with newlines."""
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in data.splitlines()) + "\n"
