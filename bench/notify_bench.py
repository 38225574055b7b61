"""Notify benchmark (`make bench`; not a test): a broadcast to N members, and a rate-limited channel.

    uv run python bench/notify_bench.py [--rows 1000000] [--sends 2000] [--limit 200]

Uses DATABASE_URL (an admin DSN: a database of its own is created and dropped) or starts an embedded
PostgreSQL. Then:
  1. loads N generated members into notify's member directory (setup, not measured);
  2. in a child process whose peak memory is measured, schedules a broadcast to all of them and runs
     the fan-out (the worker's `send_batch`, a batch per transaction) until it completes: every
     notice rendered in its member's language and written to their inbox;
  3. COPYs the same rows into a plain table in the same database: the floor to compare with;
  4. sends `--sends` SMS through the delivery worker with a channel limited to `--limit` per second
     (the channel itself answers at once), and reports the rate reached against the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

BENCH_KEYS = {
    "KITE_CRYPTO_DATA_KEYS": "bench:" + base64.b64encode(b"b" * 32).decode(),
    "KITE_CRYPTO_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
}
TARGET_COPY_RATIO = 0.25
TARGET_MEMORY_MB = 1024
TARGET_RATE_RATIO = 0.90
DB_NAME = "kite_notify_bench"
TEXTS = {
    "zh-Hans": ("春季招聘会", "{name}，您好！3月1日县城举办春季招聘会，欢迎参加。"),
    "bo": ("བརྡ་ཐོ།", "{name} བཀྲ་ཤིས་བདེ་ལེགས།"),
}
COUNTIES = ["522631", "522632", "522633", "522622", "520102", "520103"]  # all in 贵州 (52)


def _members(rows: int) -> Iterator[tuple[uuid.UUID, str, str, list[str], bool, int]]:
    rng = random.Random(13)  # noqa: S311 - reproducible data, not secrets
    for i in range(rows):
        origin = f"{rng.choice(COUNTIES)}{rng.randint(100, 120):03d}{rng.randint(200, 230):03d}"
        languages = ["藏语", "普通话"] if rng.random() < 0.1 else ["普通话"]
        yield uuid.UUID(int=rng.getrandbits(128)), f"成员{i}", origin, languages, rng.random() < 0.2, 1


async def _prepare(admin_dsn: str, rows: int) -> str:
    from kite_common.db.migrations import migrate
    from kite_common.db.pool import connect
    from kite_common.localstack.infra import drop_database, ensure_database
    from kite_notify.service import SERVICE

    await drop_database(admin_dsn, DB_NAME)
    dsn = await ensure_database(admin_dsn, DB_NAME)
    conn = await connect(dsn)
    try:
        await migrate(conn, SERVICE.migrations())
        columns = ["member_id", "name", "origin_division_code", "languages", "is_party_member", "roster_version"]
        await conn.copy_records_to_table("member_directory", records=_members(rows), columns=columns)
        await conn.execute("VACUUM ANALYZE member_directory")
    finally:
        await conn.close()
    return dsn


async def _child_fan_out(dsn: str) -> None:
    """Runs in the child process: schedule a broadcast to everyone under 52 (贵州) and send it all."""
    from kite_common.auth import Principal
    from kite_common.db.pool import create_pool
    from kite_common.runtime import ServiceRuntime
    from kite_common.settings import DatabaseSettings, KafkaSettings
    from kite_notify.application.broadcasts import schedule_broadcast, send_batch
    from kite_notify.domain.templates import TemplateText
    from kite_notify.service import SERVICE

    pool = await create_pool(DatabaseSettings(database_pool_max=2), dsn=dsn)
    runtime = ServiceRuntime(SERVICE, pool, KafkaSettings())
    clerk = Principal("bench", frozenset({"notifier"}), "52")
    texts = {lang: TemplateText(t, b) for lang, (t, b) in TEXTS.items()}
    started = time.perf_counter()
    bid = await schedule_broadcast(runtime.unit_of_work(), clerk, "52", False, texts, None, datetime.now(UTC))
    batches = 0
    while not await send_batch(runtime.unit_of_work(), bid, datetime.now(UTC)):
        batches += 1
    seconds = time.perf_counter() - started
    sent = await pool.fetchval("SELECT sent FROM broadcasts WHERE broadcast_id = $1", bid)
    await pool.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "sent": sent, "batches": batches, "peak_mb": peak_mb}))


def _fan_out_in_child(dsn: str) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, __file__, "--child-fan-out", dsn], check=True, capture_output=True, text=True, env=os.environ
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _copy_baseline(dsn: str) -> tuple[float, int]:
    """The same rows as the fan-out wrote, COPYed into a plain table of the same shape."""
    from kite_common.db.pool import connect

    conn = await connect(dsn)
    try:
        rows = await conn.fetch("SELECT * FROM broadcast_inbox")  # read before the clock starts
        await conn.execute("CREATE TABLE copy_baseline (LIKE broadcast_inbox INCLUDING ALL)")
        started = time.perf_counter()
        await conn.copy_records_to_table("copy_baseline", records=[tuple(r) for r in rows])
        return time.perf_counter() - started, len(rows)
    finally:
        await conn.close()


async def _rate(dsn: str, sends: int, limit: float) -> tuple[float, int]:
    """SMS through the real delivery worker, its channel paced at `limit` per second."""
    from kite_common.db.pool import create_pool
    from kite_common.privacy import FieldProtector
    from kite_common.runtime import ServiceRuntime
    from kite_common.settings import DatabaseSettings, KafkaSettings
    from kite_notify.adapters.channel_settings import DeliverySettings
    from kite_notify.application.send_message import ADDRESS_CONTEXT
    from kite_notify.domain.delivery import OutboundMessage, Sent
    from kite_notify.domain.events import MessageRequested
    from kite_notify.domain.notification import Notification
    from kite_notify.service import SERVICE
    from kite_notify.workers.deliver_messages import MessageDeliverer, Sender

    class Instant:
        name = "sms"

        async def send(self, message: OutboundMessage) -> Sent:
            return Sent("sending", "bench")

    protector = FieldProtector.from_settings()
    pool = await create_pool(DatabaseSettings(database_pool_max=10), dsn=dsn)
    runtime = ServiceRuntime(SERVICE, pool, KafkaSettings())
    sealed = protector.encrypt("13812345678", ADDRESS_CONTEXT)
    async with runtime.unit_of_work() as uow:  # setup: the messages as the send API leaves them
        ids = [uuid.uuid4() for _ in range(sends)]
        for nid in ids:
            n = Notification(nid)
            n.request(
                MessageRequested(
                    notification_id=nid,
                    channel="sms",
                    kind="broadcast",
                    language="zh-Hans",
                    template_version=1,
                    title="t",
                    body="b",
                    jurisdiction="",
                    requested_by="bench",
                )
            )
            await uow.save(n)
        await uow.conn.execute(
            """INSERT INTO outbound_deliveries (notification_id, channel, address_enc, kind, title, body,
                                                template_values, topic)
               SELECT n, 'sms', $2, 'broadcast', 't', 'b', '{}'::jsonb, 'notify.events' FROM unnest($1::uuid[]) n""",
            ids,
            sealed,
        )
    settings = DeliverySettings(max_attempts=1)
    deliverer = MessageDeliverer(runtime, protector, {"sms": Sender(Instant(), limit, 600)}, settings)
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(deliverer.run(stop))
    while await pool.fetchval("SELECT count(*) FROM outbound_deliveries") > 0:  # noqa: ASYNC110 - polling the DB
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - started
    stop.set()
    await task
    done = await pool.fetchval("SELECT count(*) FROM delivery_status WHERE status = 'sending'")
    await pool.close()
    return seconds, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sends", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=200.0, help="the SMS channel's limit, per second")
    parser.add_argument("--child-fan-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for key, value in BENCH_KEYS.items():
        os.environ.setdefault(key, value)
    if args.child_fan_out:
        asyncio.run(_child_fan_out(args.child_fan_out))
        return

    from kite_common.localstack.infra import drop_database, start_embedded_postgres, stop_embedded_postgres

    admin_dsn = os.environ.get("DATABASE_URL")
    pg_dir = None
    if not admin_dsn:
        pg_dir = Path(tempfile.mkdtemp(prefix="kite-notify-bench-pg-"))
        print(f"starting an embedded PostgreSQL in {pg_dir} ...", flush=True)
        admin_dsn = start_embedded_postgres(pg_dir)
    try:
        print(f"loading {args.rows:,} members into the member directory ...", flush=True)
        dsn = asyncio.run(_prepare(admin_dsn, args.rows))
        print("broadcasting to all of them (render + write every inbox row, a batch per transaction) ...", flush=True)
        fan = _fan_out_in_child(dsn)
        copy_s, copied = asyncio.run(_copy_baseline(dsn))
        print(f"sending {args.sends:,} SMS through a channel limited to {args.limit:g}/s ...", flush=True)
        rate_s, sent = asyncio.run(_rate(dsn, args.sends, args.limit))
        asyncio.run(drop_database(admin_dsn, DB_NAME))
    finally:
        if pg_dir is not None:
            stop_embedded_postgres(pg_dir)

    ratio = copy_s / fan["seconds"]
    rate = sent / rate_s
    print()
    print("| measure | value | target |")
    print("| --- | --- | --- |")
    print(
        f"| broadcast to {int(fan['sent']):,} members (render + enqueue) | {fan['seconds']:.1f} s "
        f"({fan['sent'] / fan['seconds']:,.0f}/s, {int(fan['batches'])} batches) | |"
    )
    print(f"| plain COPY of the same {copied:,} rows | {copy_s:.1f} s | |")
    print(f"| speed vs COPY | {ratio:.0%} | ≥ {TARGET_COPY_RATIO:.0%} {'✓' if ratio >= TARGET_COPY_RATIO else '✗'} |")
    print(
        f"| fan-out peak memory | {fan['peak_mb']:.0f} MB | < {TARGET_MEMORY_MB} MB "
        f"{'✓' if fan['peak_mb'] < TARGET_MEMORY_MB else '✗'} |"
    )
    print(
        f"| SMS rate, limit {args.limit:g}/s | {rate:.1f}/s ({rate / args.limit:.0%}) | ≥ {TARGET_RATE_RATIO:.0%} "
        f"{'✓' if rate / args.limit >= TARGET_RATE_RATIO else '✗'} |"
    )


if __name__ == "__main__":
    main()
