"""Drop a service's read models and rebuild them from its event store alone."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.eventstore import PostgresEventStore
from kite_common.service import ServiceDefinition


async def rebuild_projections(conn: Connection, service: ServiceDefinition, batch: int = 2000) -> int:
    """Rebuild in one transaction, so readers see either the old or the new read models. Returns
    the number of events replayed."""
    store = PostgresEventStore(service.registry.source)
    count = 0
    async with conn.transaction():
        tables = [t for p in service.projections for t in p.tables]
        if tables:
            await conn.execute(f"TRUNCATE {', '.join(tables)}")
        async for stored in store.iterate_all(conn, batch=batch):
            env = stored.envelope
            payload = service.registry.parse(env.type, env.data)
            for projection in service.projections:
                await projection.apply(conn, env, payload)
            count += 1
    return count
