"""Bulk append of new streams (COPY) on a real PostgreSQL: the same rows as the normal path."""

from __future__ import annotations

import asyncio
import json

import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary
from kite_common.bulk import append_new_streams
from kite_common.db.pool import create_pool
from kite_common.events import NewEvent
from kite_common.eventstore import ConcurrencyConflict, PostgresEventStore
from kite_common.eventstore.postgres import START
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.outbox.relay import OutboxRelay
from kite_common.rebuild import rebuild_projections
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings, KafkaSettings, RelaySettings
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import eventually
from opentelemetry import trace

TOPIC = "sample.events"


@pytest.fixture
async def db(infra):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=4), dsn=dsn)
    yield dsn, pool
    await pool.close()
    await infra.drop(dsn)


async def _bulk(pool, items, topic: str = TOPIC):
    async with pool.acquire() as conn, conn.transaction():
        return await append_new_streams(conn, SAMPLE.registry, SAMPLE.projections, topic, items)


async def test_new_streams_are_stored_projected_and_queued_like_single_appends(db):
    _, pool = db
    with trace.get_tracer("test").start_as_current_span("import"):
        envelopes = await _bulk(
            pool,
            [
                ("item-a", [ItemAdded(item="a", quantity=1), ItemAdded(item="a", quantity=2)]),
                ("item-b", [ItemAdded(item="b", quantity=5)]),
                ("item-c", [ItemAdded(item="a", quantity=10)]),
                ('item-"d"\t', [ItemAdded(item='tab\tback\\slash "q"\nline 中文', quantity=1)]),
            ],
        )
    assert [(e.subject, e.stream_version) for e in envelopes] == [
        ("item-a", 1),
        ("item-a", 2),
        ("item-b", 1),
        ("item-c", 1),
        ('item-"d"\t', 1),
    ]
    assert all(e.traceparent and e.traceparent == envelopes[0].traceparent for e in envelopes)

    store = PostgresEventStore(SAMPLE.registry.source)
    async with pool.acquire() as conn:
        stream = await store.read_stream(conn, "item-a")
        logged = await store.read_all_after(conn, START)
    assert stream == envelopes[:2]  # ids, times, data, traceparent: exactly what was appended
    assert [s.envelope for s in logged] == envelopes  # the gap-safe global read returns them, in order
    assert len({s.global_position.tx_id for s in logged}) == 1  # one transaction

    totals = {r["item"]: (r["quantity"], r["events"]) for r in await pool.fetch("SELECT * FROM sample_totals")}
    assert totals == {"a": (13, 3), "b": (5, 1), 'tab\tback\\slash "q"\nline 中文': (1, 1)}

    rows = await pool.fetch("SELECT event_id, topic, key, headers, body FROM outbox ORDER BY id")
    assert [r["event_id"] for r in rows] == [e.id for e in envelopes]
    for row, envelope in zip(rows, envelopes, strict=True):
        key, body, headers = encode(envelope)
        assert (row["topic"], row["key"], bytes(row["body"])) == (TOPIC, key.decode(), body)
        assert row["headers"] == [[k, v.decode()] for k, v in headers]


async def test_streams_continue_on_the_normal_path_and_rebuild_gives_the_same_read_model(db):
    _, pool = db
    fixed = NewEvent(ItemAdded(item="x", quantity=3))
    [envelope] = await _bulk(pool, [("item-x", [fixed])])
    assert (envelope.id, envelope.time) == (fixed.id, fixed.time)
    runtime = ServiceRuntime(SAMPLE, pool, KafkaSettings(topic_prefix="unused."))
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load("item-x")
        assert loaded.version == 1
        await uow.append("item-x", loaded.version, [ItemAdded(item="x", quantity=4)])
    before = await pool.fetch("SELECT * FROM sample_totals ORDER BY item")
    async with pool.acquire() as conn:
        assert await rebuild_projections(conn, SAMPLE) == 2
    assert await pool.fetch("SELECT * FROM sample_totals ORDER BY item") == before


async def test_an_existing_stream_is_a_conflict_and_nothing_of_the_batch_is_written(db):
    _, pool = db
    await _bulk(pool, [("item-a", [ItemAdded(item="a", quantity=1)])])
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(ConcurrencyConflict) as caught:
            await append_new_streams(
                conn,
                SAMPLE.registry,
                SAMPLE.projections,
                TOPIC,
                [("item-new", [ItemAdded(item="n", quantity=1)]), ("item-a", [ItemAdded(item="a", quantity=9)])],
            )
        assert caught.value.stream_id == "item-a"
        # the caller's transaction is still usable after the conflict
        assert await conn.fetchval("SELECT 1") == 1
    assert await pool.fetchval("SELECT count(*) FROM events") == 1
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
    assert await pool.fetchval("SELECT quantity FROM sample_totals WHERE item = 'a'") == 1
    assert await pool.fetchval("SELECT count(*) FROM sample_totals WHERE item = 'n'") == 0


async def test_without_a_transaction_of_its_own_the_batch_is_still_atomic(db):
    _, pool = db
    async with pool.acquire() as conn:
        await append_new_streams(
            conn, SAMPLE.registry, SAMPLE.projections, TOPIC, [("s1", [ItemAdded(item="a", quantity=1)])]
        )
        with pytest.raises(ConcurrencyConflict):
            await append_new_streams(
                conn,
                SAMPLE.registry,
                SAMPLE.projections,
                TOPIC,
                [("s2", [ItemAdded(item="b", quantity=1)]), ("s1", [ItemAdded(item="a", quantity=1)])],
            )
    assert await pool.fetchval("SELECT count(*) FROM events") == 1
    assert await append_new_streams(pool, SAMPLE.registry, SAMPLE.projections, TOPIC, []) == []


async def test_the_relay_publishes_bulk_appended_events_unchanged(infra, prefix, db):
    dsn, pool = db
    kafka = infra.kafka(prefix)
    topic = topic_for("sample", prefix)
    await _bulk(pool, [(f"bulk-{i}", [ItemAdded(item=f"i{i}", quantity=i)]) for i in range(200)], topic)
    stop = asyncio.Event()
    relay = OutboxRelay(dsn, kafka, RelaySettings(poll_interval_s=0.2, lock_retry_s=0.2))
    task = asyncio.create_task(relay.run(stop))
    try:
        messages = await read_messages(infra.bootstrap, topic, 200)
        await eventually(lambda: _outbox_empty(pool))
    finally:
        stop.set()
        await task
    events = [from_binary(KafkaMessage(m.headers, m.key, m.value), data_unmarshaller=json.loads) for m in messages]
    assert sorted(e.data["quantity"] for e in events) == list(range(200))
    assert {e["type"] for e in events} == {"kite.sample.item-added.v1"}
    assert {m.key for m in messages} == {f"bulk-{i}".encode() for i in range(200)}


async def _outbox_empty(pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_copy_text_round_trips_awkward_values(db):
    from datetime import UTC, date, datetime

    from kite_common.bulk import Json, copy_text

    _, pool = db
    awkward = 'tab\there\\back "quote"\nnew\rline 中文'
    row = (
        awkward,
        ["电工", 'a"b', "c\\d", "e,f", "{g}", "h\ti", None],
        Json({"k": awkward, "n": [1, None]}),
        b"\x00\x01\xffbin",
        True,
        None,
        date(2024, 2, 29),
        datetime(2024, 3, 1, 12, 30, tzinfo=UTC),
        42,
    )
    async with pool.acquire() as conn:
        await conn.execute(
            """CREATE TEMP TABLE t (s text, a text[], j jsonb, b bytea, f boolean, n text, d date,
                                    ts timestamptz, i integer)"""
        )
        await copy_text(conn, "t", ["s", "a", "j", "b", "f", "n", "d", "ts", "i"], [row, row])
        got = await conn.fetch("SELECT * FROM t")
    assert len(got) == 2
    assert tuple(got[0]) == (awkward, row[1], {"k": awkward, "n": [1, None]}, row[3], True, None, row[6], row[7], 42)


async def test_copy_lines_round_trip_awkward_text_and_arrays(db):
    from kite_common.bulk import copy_array, copy_escape, copy_lines

    _, pool = db
    awkward = ['tab\there\\back "quote"\nnew\rline 中文', "", "NULL", "{a,b}", 'x"', "y\\"]
    rows = [(s, [s, "电工", s]) for s in awkward] + [("empty", [])]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TEMP TABLE t (s text, a text[])")
        await copy_lines(conn, "t", ["s", "a"], (f"{copy_escape(s)}\t{copy_array(a)}\n" for s, a in rows))
        got = [(r["s"], r["a"]) for r in await conn.fetch("SELECT s, a FROM t")]
    assert got == rows


def test_prepared_outbox_bodies_are_what_encode_makes_also_for_floats_and_dates():
    from datetime import UTC, date, datetime

    from kite_common.bulk import StreamPreparer
    from kite_common.events import EventPayload

    class Measured(EventPayload):
        event_name = "measured"

        label: str
        value: float
        on: date
        at: datetime
        tags: list[str]

    payloads = [
        Measured(
            label='a "q" \\ 中文\t', value=v, on=date(2024, 2, 29), at=datetime(2024, 3, 1, tzinfo=UTC), tags=["x"]
        )
        for v in (0.1, 1e16, 1e-7, 3.0)
    ]
    prepared, applied = StreamPreparer(SAMPLE.registry, TOPIC).prepare_applied("m-1", payloads)
    lines = prepared.outbox.decode().splitlines()
    for (envelope, _), line in zip(applied, lines, strict=True):
        _, body, _ = encode(envelope)
        assert line.split("\t")[-1] == "\\\\x" + body.hex()
