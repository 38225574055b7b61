"""What `kite up` remembers of its broker (`.kite/broker.json`): the port it listens on, so clients
keep finding it after a restart, and the cluster id and topics it had, so a broker that comes back
empty is noticed and the services' events are republished from their event stores."""

from __future__ import annotations

import json
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from kite_common.db.pool import connect
from kite_common.discovery import installed_services
from kite_common.eventstore.postgres import START
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.outbox.republish import request_republish

FILE = "broker.json"


@dataclass
class BrokerRecord:
    port: int | None = None
    cluster_id: str | None = None
    topics: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: Path) -> BrokerRecord:
        try:
            raw = json.loads((data_dir / FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls(raw.get("port"), raw.get("cluster_id"), list(raw.get("topics", [])))

    def save(self, data_dir: Path) -> None:
        (data_dir / FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", "utf-8")


def stable_port(record: BrokerRecord) -> int:
    """The recorded port if it is free, else a new free one."""
    if record.port:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", record.port))
                return record.port
            except OSError:
                pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def describe(bootstrap: str) -> tuple[str, set[str]]:
    """The broker's cluster id and topic names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        topics = set(await admin.list_topics())
    finally:
        await admin.close()
    return str(cluster.get("cluster_id")), topics


async def services_with_events(dsns: dict[str, str]) -> list[str]:
    names = []
    for name, dsn in dsns.items():
        conn = await connect(dsn)
        try:
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM events)"):
                names.append(name)
        finally:
            await conn.close()
    return names


async def fresh_broker_services(
    record: BrokerRecord, bootstrap: str, dsns: dict[str, str], prefix: str = ""
) -> tuple[list[str], str]:
    """Which services must be republished to this broker, and why (empty: none). A broker is fresh
    when its cluster id changed, a topic it had is gone, or a service with events has no topic."""
    cluster_id, topics = await describe(bootstrap)
    with_events = await services_with_events(dsns)
    missing = sorted({*record.topics, *(topic_for(n, prefix) for n in with_events)} - topics)
    if record.cluster_id and record.cluster_id != cluster_id:
        reason = f"new cluster id {cluster_id} (was {record.cluster_id})"
    elif missing:
        reason = f"missing topic(s): {', '.join(missing)}"
    else:
        reason = ""
    record.cluster_id = cluster_id
    record.topics = sorted({*record.topics, *(topic_for(n, prefix) for n in with_events)})
    return (with_events if reason else []), reason


async def request_republish_all(dsns: dict[str, str], names: list[str], reason: str, prefix: str = "") -> None:
    """Hands each service's relay a request to republish everything from its event store."""
    services = installed_services()
    for name in names:
        conn = await connect(dsns[name])
        try:
            await request_republish(conn, topic_for(name, prefix), services[name].registry.source, START, reason)
        finally:
            await conn.close()
