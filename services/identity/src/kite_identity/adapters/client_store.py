"""Clients as the token endpoint needs them: the projection, secrets, seen assertions, counters."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_identity.domain.events import ClientRegistered, ClientRevoked


@dataclass(frozen=True)
class ClientRecord:
    client_id: uuid.UUID
    name: str
    auth_method: str
    jwks_url: str | None
    public_keys: list[dict[str, Any]]
    scopes: list[str]
    roles: list[str]
    jurisdiction: str
    revoked: bool


class ClientProjection:
    name = "identity_clients"
    tables = ("clients",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, ClientRegistered):
            await conn.execute(
                """INSERT INTO clients (client_id, name, auth_method, jwks_url, public_keys, scopes, roles,
                                        jurisdiction, registered_by, registered_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
                payload.client_id,
                payload.name,
                payload.auth_method,
                payload.jwks_url,
                payload.public_keys,
                payload.scopes,
                payload.roles,
                payload.jurisdiction,
                payload.registered_by,
                event.time,
            )
        elif isinstance(payload, ClientRevoked):
            await conn.execute("UPDATE clients SET revoked = true WHERE client_id = $1", payload.client_id)


async def find_client(conn: Connection, client_id: uuid.UUID) -> ClientRecord | None:
    row = await conn.fetchrow(
        """SELECT client_id, name, auth_method, jwks_url, public_keys, scopes, roles, jurisdiction, revoked
           FROM clients WHERE client_id = $1""",
        client_id,
    )
    if row is None:
        return None
    keys = row["public_keys"]
    return ClientRecord(**{**dict(row), "public_keys": json.loads(keys) if isinstance(keys, str) else keys})


async def name_taken(conn: Connection, name: str) -> bool:
    return await conn.fetchval("SELECT 1 FROM clients WHERE name = $1", name) is not None


# -- secrets: scrypt, salted; compared in constant time --------------------------------------------

_N, _R, _P = 2**14, 8, 1


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    _, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=_N, r=_R, p=_P)
    return hmac.compare_digest(candidate.hex(), digest)


async def store_secret(conn: Connection, client_id: uuid.UUID, secret_hash: str) -> None:
    await conn.execute("INSERT INTO client_secrets (client_id, secret_hash) VALUES ($1, $2)", client_id, secret_hash)


async def stored_secret(conn: Connection, client_id: uuid.UUID) -> str | None:
    value: str | None = await conn.fetchval("SELECT secret_hash FROM client_secrets WHERE client_id = $1", client_id)
    return value


async def first_use_of_assertion(conn: Connection, client_id: uuid.UUID, jti: str, expires_at: datetime) -> bool:
    """Records an assertion id; False when it was seen before (a replay). Expired ids are forgotten."""
    await conn.execute("DELETE FROM client_assertions WHERE expires_at < now() - interval '1 minute'")
    inserted = await conn.fetchval(
        """INSERT INTO client_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING 1""",
        client_id,
        jti,
        expires_at,
    )
    return inserted is not None


async def count_token(conn: Connection, client_id: uuid.UUID, now: datetime) -> int:
    """Tokens issued to the client in this minute, this one included."""
    minute = now.replace(second=0, microsecond=0)
    await conn.execute("DELETE FROM client_token_counts WHERE client_id = $1 AND minute < $2", client_id, minute)
    issued: int = await conn.fetchval(
        """INSERT INTO client_token_counts (client_id, minute, issued) VALUES ($1, $2, 1)
           ON CONFLICT (client_id, minute) DO UPDATE SET issued = client_token_counts.issued + 1
           RETURNING issued""",
        client_id,
        minute,
    )
    return issued
