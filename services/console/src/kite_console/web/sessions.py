"""Signed-in browsers, kept in the console's database: the cookie holds a random id, the table its hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from kite_common.clock import utcnow

COOKIE = "kite_session"


@dataclass(frozen=True)
class Session:
    subject: str
    name: str
    roles: frozenset[str]
    jurisdiction: str
    token: str
    csrf_token: str
    expires_at: datetime

    def has_any(self, *roles: str) -> bool:
        return "admin" in self.roles or any(r in self.roles for r in roles)


def session_hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


class SessionStore:
    def __init__(self, pool: asyncpg.Pool, ttl: timedelta) -> None:
        self.pool = pool
        self.ttl = ttl

    async def create(self, *, subject: str, name: str, roles: list[str], jurisdiction: str, token: str) -> str:
        """A new session; answers the id for the cookie."""
        session_id = secrets.token_urlsafe(32)
        await self.pool.execute(
            "DELETE FROM console_sessions WHERE expires_at < now()"  # keep the table small, cheaply (indexed)
        )
        await self.pool.execute(
            """INSERT INTO console_sessions (session_hash, subject, name, roles, jurisdiction, token, csrf_token,
                                             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            session_hash(session_id),
            subject,
            name,
            roles,
            jurisdiction,
            token,
            secrets.token_urlsafe(32),
            utcnow() + self.ttl,
        )
        return session_id

    async def get(self, session_id: str | None) -> Session | None:
        if not session_id or len(session_id) > 100:
            return None
        row = await self.pool.fetchrow(
            """SELECT subject, name, roles, jurisdiction, token, csrf_token, expires_at FROM console_sessions
               WHERE session_hash = $1 AND expires_at > now()""",
            session_hash(session_id),
        )
        if row is None:
            return None
        return Session(
            subject=row["subject"],
            name=row["name"],
            roles=frozenset(row["roles"]),
            jurisdiction=row["jurisdiction"],
            token=row["token"],
            csrf_token=row["csrf_token"],
            expires_at=row["expires_at"],
        )

    async def still_signed_in(self, hashes: set[bytes]) -> set[bytes]:
        """Which of these sessions (by hash) are neither signed out nor expired: one read for many pages."""
        rows = await self.pool.fetch(
            "SELECT session_hash FROM console_sessions WHERE session_hash = ANY($1::bytea[]) AND expires_at > now()",
            list(hashes),
        )
        return {bytes(r["session_hash"]) for r in rows}

    async def delete(self, session_id: str | None) -> None:
        if session_id:
            await self.pool.execute("DELETE FROM console_sessions WHERE session_hash = $1", session_hash(session_id))
