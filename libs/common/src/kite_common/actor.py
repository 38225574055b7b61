"""Who the current request acts for: set when its token is verified, written into the metadata of
every event the request causes (CloudEvents extension `actor`), so a client system's calls are
attributed to it wherever its effects are read."""

from __future__ import annotations

from contextvars import ContextVar

_actor: ContextVar[str | None] = ContextVar("kite_actor", default=None)


def set_actor(subject: str | None) -> None:
    _actor.set(subject)


def current_actor() -> str | None:
    return _actor.get()
