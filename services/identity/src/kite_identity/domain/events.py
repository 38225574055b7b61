"""Identity's events: client systems registered and revoked (no secret ever travels in an event)."""

from __future__ import annotations

import uuid
from typing import Literal

from kite_common.events import EventPayload, EventRegistry

registry = EventRegistry("identity")

AuthMethod = Literal["private_key_jwt", "client_secret"]


@registry.register
class ClientRegistered(EventPayload):
    """A system may take tokens: by a signed assertion (RFC 7523, its JWKS URL or public keys) or a secret."""

    event_name = "client-registered"

    client_id: uuid.UUID
    name: str
    auth_method: AuthMethod
    jwks_url: str | None = None
    public_keys: list[dict[str, str]] = []
    scopes: list[str]
    roles: list[str]
    jurisdiction: str
    registered_by: str


@registry.register
class ClientRevoked(EventPayload):
    event_name = "client-revoked"

    client_id: uuid.UUID
    reason: str
    revoked_by: str
