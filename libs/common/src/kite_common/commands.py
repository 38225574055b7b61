"""How a command is run: decided again on a fresh stream when a concurrent write won the race.

A command is an async function that enters its unit of work, gets aggregates, lets them decide and
saves them. Decorated with `@command`, a ConcurrencyConflict from the save re-runs the whole
command — load, checks, decision — so a stale If-Match turns into 412 and a refusal into its
problem on the second attempt; nothing is ever overwritten. After the last attempt the conflict
goes up (HTTP 409).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from kite_common.eventstore import ConcurrencyConflict

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 3


def command(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Retry the whole command on a concurrency conflict (ATTEMPTS in all, no wait: the other write
    has already committed, so the next load sees it). A plain loop: it runs around every command."""

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await fn(*args, **kwargs)
            except ConcurrencyConflict:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises

    return run
