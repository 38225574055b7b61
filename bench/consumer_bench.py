"""Consumer benchmark (not a test): the CPU each consuming service spends per roster event it mirrors.

N member-registered events (as roster publishes them: CloudEvents, binary mode, keyed by stream) are
put on a roster topic; then, one service at a time, every consumer that service runs on roster's
topic (casework, jobs, notify: the platform's consumer runner with its inbox, the member mirror, and
whatever else the service does with a registration — notify's welcome notice) reads them all into
that service's own freshly migrated database. The figure is this process's CPU time (user + system)
from the first poll to the last event handled, divided by N. The reference, in the same run, is a
plain aiokafka consumer group that reads the same messages and writes each batch into one table
with one INSERT and a commit, offsets committed after it.

Target: at most 1 ms of CPU per event per consuming service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid

from aiokafka import AIOKafkaConsumer
from kite_common.clock import utcnow
from kite_common.db.pool import connect, create_pool
from kite_common.discovery import installed_services
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.consumer import ConsumerRunner
from kite_common.messaging.producer import client_options, create_producer
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings
from kite_common.testing.stack import Infra

SERVICES = ("casework", "jobs", "notify")
COUNTY = "522631"


def _registration(i: int) -> EventEnvelope:
    member_id = new_id()
    return EventEnvelope(
        id=new_id(),
        source="roster",
        type="kite.roster.member-registered.v1",
        subject=f"member-{member_id}",
        time=utcnow(),
        data={
            "member_id": str(member_id),
            "name": f"张{i % 1000}",
            "gender": "male" if i % 2 else "female",
            "birth_year": 1980 + i % 20,
            "origin_division_code": f"{COUNTY}{101001 + i % 50}",
            "current_city": "杭州",
            "employer": "杭州某电子厂",
            "is_party_member": i % 7 == 0,
            "skills": ["电工", "焊工"],
            "registered_by": "bench",
            "industry": "制造业",
            "languages": ["普通话"],
            "disability": None,
            "union_member": False,
        },
        stream_version=1,
        traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
        jurisdiction=f"{COUNTY}{101001 + i % 50}",
        actor="bench",
    )


async def _publish(infra: Infra, prefix: str, n: int) -> None:
    producer = await create_producer(infra.kafka(prefix))
    try:
        topic = topic_for("roster", prefix)
        futures = []
        for i in range(n):
            key, value, headers = encode(_registration(i))
            futures.append(await producer.send(topic, value=value, key=key, headers=headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


async def _kite(infra: Infra, prefix: str, service_name: str, n: int) -> tuple[float, float, int]:
    """CPU seconds per event and events per second for every consumer `service_name` runs on
    roster's topic, together, as its consume process runs them; and how many were dead-lettered."""
    service = installed_services()[service_name]
    dsn = await infra.fresh_database(service)
    pool = await create_pool(DatabaseSettings(), dsn=dsn)
    runtime = ServiceRuntime(service, pool, infra.kafka(prefix))
    runners = [ConsumerRunner(runtime, spec) for spec in service.consumers if "roster" in spec.sources]
    stop = asyncio.Event()
    cpu, wall = _cpu(), time.perf_counter()
    tasks = [asyncio.create_task(r.run(stop)) for r in runners]
    try:
        while sum(r.handled + r.dead_lettered for r in runners) < n * len(runners):
            await asyncio.sleep(0.02)
            for t in tasks:
                if t.done():
                    t.result()
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.close()
        await infra.drop(dsn)
    return cpu / n, n / wall, sum(r.dead_lettered for r in runners)


async def _raw(infra: Infra, prefix: str, n: int) -> tuple[float, float]:
    """A plain consumer group: each batch into one table with one INSERT, commit, then offsets."""
    from kite_common.localstack.infra import drop_database, ensure_database

    name = f"kite_bench_raw_{uuid.uuid4().hex[:8]}"
    dsn = await ensure_database(infra.admin_dsn, name)
    conn = await connect(dsn)
    await conn.execute("CREATE TABLE raw_events (id uuid PRIMARY KEY, data jsonb NOT NULL)")
    kafka = infra.kafka(prefix)
    consumer = AIOKafkaConsumer(
        topic_for("roster", prefix),
        **client_options(kafka),
        group_id=f"{prefix}raw-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    done = 0
    cpu, wall = _cpu(), time.perf_counter()
    try:
        while done < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=200)
            rows = []
            for records in batches.values():
                for r in records:
                    h = dict(r.headers)
                    rows.append((uuid.UUID(h["ce_id"].decode()), json.loads(r.value)))
            if rows:
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO raw_events SELECT * FROM unnest($1::uuid[], $2::jsonb[])",
                        [r[0] for r in rows],
                        [json.dumps(r[1]) for r in rows],
                    )
                await consumer.commit()
                done += len(rows)
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    finally:
        await consumer.stop()
        await conn.close()
        await drop_database(infra.admin_dsn, name)
    return cpu / n, n / wall


async def run(infra: Infra, n: int) -> None:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    await _publish(infra, prefix, n)
    raw_cpu, raw_rate = await _raw(infra, prefix, n)
    results = {name: await _kite(infra, prefix, name, n) for name in SERVICES}
    await infra.drop_templates()
    print(f"\nConsumers: {n} member-registered events from roster's topic, each service's roster consumers together")
    print(f"{'consumer':<48}{'CPU ms/event':>14}{'events/s':>10}{'x raw CPU':>11}")
    print(
        f"{'plain aiokafka + one INSERT per batch (reference)':<48}{raw_cpu * 1000:>14.3f}{raw_rate:>10.0f}{1:>10.1f}x"
    )
    for name, (cpu, rate, dead) in results.items():
        service = installed_services()[name]
        purposes = ", ".join(s.purpose for s in service.consumers if "roster" in s.sources)
        label = f"{name} ({purposes})"
        if dead:
            label += f" [{dead} dead-lettered]"
        print(f"{label[:48]:<48}{cpu * 1000:>14.3f}{rate:>10.0f}{cpu / raw_cpu:>10.1f}x")
    print("target: at most 1 ms of CPU per event per consuming service")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    infra = Infra.start()
    try:
        asyncio.run(run(infra, args.events))
    finally:
        infra.stop()


if __name__ == "__main__":
    main()
