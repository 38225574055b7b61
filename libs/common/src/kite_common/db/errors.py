"""Which database failures pass by themselves, and which come from the input.

A transient failure (the server restarting or unreachable, a connection lost, too many connections,
a statement or lock timeout, a deadlock or serialization failure, no pooled connection in time) is
worth trying again later: the HTTP layer answers 503 with Retry-After, and retrying code may wait and
retry. A character the database cannot store (a NUL byte in text or JSON) is the caller's input:
422. Everything else is a bug and stays a 500.
"""

from __future__ import annotations

import asyncpg

_TRANSIENT_POSTGRES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # connection lost or refused mid-operation
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.QueryCanceledError,  # statement_timeout, lock_timeout while waiting, cancelled
    asyncpg.LockNotAvailableError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)

_BAD_CHARACTERS: tuple[type[BaseException], ...] = (
    asyncpg.CharacterNotInRepertoireError,  # NUL in text
    asyncpg.UntranslatableCharacterError,  # \u0000 in jsonb
)


def is_transient(exc: BaseException) -> bool:
    """A failure that passes by itself: retry later rather than give up."""
    return isinstance(exc, (*_TRANSIENT_POSTGRES, ConnectionError, TimeoutError))


def is_bad_character(exc: BaseException) -> bool:
    """The input held a character PostgreSQL cannot store."""
    return isinstance(exc, _BAD_CHARACTERS)
