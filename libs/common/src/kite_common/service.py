"""What a service is made of, declared once; the platform runs its API, relay and consumers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import typer
from fastapi import APIRouter

from kite_common.db.migrations import Migration, load_migrations
from kite_common.events import EventRegistry
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.projection import Projection
from kite_common.runtime import ServiceRuntime

# A long-running job of the "consume" role besides the Kafka consumers (e.g. webhook delivery):
# called with the service's runtime (pool, units of work) and a stop event; returns when stop is set.
BackgroundWorker = Callable[[ServiceRuntime, asyncio.Event], Awaitable[None]]


def no_routers() -> Sequence[APIRouter]:
    return ()


@dataclass(frozen=True)
class ServiceDefinition:
    name: str  # "roster": names the topic (roster.events), the CloudEvents source and the database
    title: str
    registry: EventRegistry
    migrations_package: str
    routers: Callable[[], Sequence[APIRouter]]  # every route needs a bearer token
    projections: Sequence[Projection] = ()
    # Routes anyone may call without a token (e.g. checking a certificate someone shows you). They
    # get no principal, so they must answer nothing a stranger may not learn.
    public_routers: Callable[[], Sequence[APIRouter]] = no_routers
    consumers: Sequence[ConsumerSpec] = field(default_factory=tuple)
    workers: Sequence[BackgroundWorker] = field(default_factory=tuple)
    # The service's own commands, mounted as `kite <name> ...` (e.g. `kite roster import`).
    cli: Callable[[], typer.Typer] | None = None
    # Command groups the service adds at the top level, by name (e.g. `kite clients ...`).
    top_level_cli: Callable[[], dict[str, typer.Typer]] | None = None

    def migrations(self) -> list[Migration]:
        return load_migrations("platform", "kite_common.migrations") + load_migrations(
            self.name, self.migrations_package
        )
