"""How `kite up` tells a fresh broker from the one it had, against a real broker and database."""

from __future__ import annotations

from kite_common.db.pool import create_pool
from kite_common.eventstore import PostgresEventStore
from kite_common.localstack.broker_state import BrokerRecord, fresh_broker_services, stable_port
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings
from kite_common.testing.sample import SAMPLE, ItemAdded


async def test_a_broker_without_the_topic_of_a_service_with_events_is_fresh_and_one_with_it_is_not(
    infra, prefix, tmp_path
):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=2), dsn=dsn)
    try:
        record = BrokerRecord()
        assert await fresh_broker_services(record, infra.bootstrap, {"sample": dsn}, prefix) == ([], "")

        runtime = ServiceRuntime(SAMPLE, pool, infra.kafka(prefix))
        async with runtime.unit_of_work() as uow:
            await uow.append("b-1", 0, [ItemAdded(item="x", quantity=1)])
        names, reason = await fresh_broker_services(record, infra.bootstrap, {"sample": dsn}, prefix)
        assert names == ["sample"] and topic_for("sample", prefix) in reason

        stored = await pool.fetchrow("SELECT event_id FROM events")
        producer = await create_producer(infra.kafka(prefix))
        try:  # the relay's first message makes the topic
            async with pool.acquire() as conn:
                envelope = (await PostgresEventStore(SAMPLE.registry.source).read_stream(conn, "b-1"))[0]
            assert envelope.id == stored["event_id"]
            key, value, headers = encode(envelope)
            await producer.send_and_wait(topic_for("sample", prefix), value=value, key=key, headers=headers)
        finally:
            await producer.stop()
        assert await fresh_broker_services(record, infra.bootstrap, {"sample": dsn}, prefix) == ([], "")

        record.save(tmp_path)
        again = BrokerRecord.load(tmp_path)
        assert again.topics == [topic_for("sample", prefix)] and again.cluster_id
        again.cluster_id = "another-cluster"
        names, reason = await fresh_broker_services(again, infra.bootstrap, {"sample": dsn}, prefix)
        assert names == ["sample"] and "another-cluster" in reason
    finally:
        await pool.close()
        await infra.drop(dsn)


def test_the_recorded_broker_port_is_kept_while_it_is_free(tmp_path):
    record = BrokerRecord(port=stable_port(BrokerRecord()))
    assert stable_port(record) == record.port
