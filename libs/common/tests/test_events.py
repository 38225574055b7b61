"""Envelope, registry and the CloudEvents Kafka binding, without I/O."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary
from kite_common.events import EventEnvelope, EventPayload, EventRegistry, UnknownEventType
from kite_common.messaging.cloudevents_kafka import MalformedMessage, decode, encode


def _registry() -> tuple[EventRegistry, type[EventPayload], type[EventPayload]]:
    reg = EventRegistry("demo")

    @reg.register
    class ThingHappenedV1(EventPayload):
        event_name = "thing-happened"
        size: int

    @reg.register
    class ThingHappenedV2(EventPayload):
        event_name = "thing-happened"
        event_version = 2
        size_cm: int

    return reg, ThingHappenedV1, ThingHappenedV2


def test_type_names_follow_the_published_convention():
    reg, v1, v2 = _registry()
    assert reg.type_of(v1(size=1)) == "kite.demo.thing-happened.v1"
    assert reg.type_of(v2(size_cm=1)) == "kite.demo.thing-happened.v2"
    assert reg.source == "/kite/demo"


def test_upcaster_reads_old_events_as_new_version():
    reg, _, v2 = _registry()
    reg.register_upcaster("kite.demo.thing-happened.v0", "kite.demo.thing-happened.v2", lambda d: {"size_cm": d["s"]})
    assert reg.parse("kite.demo.thing-happened.v0", {"s": 7}) == v2(size_cm=7)
    with pytest.raises(UnknownEventType):
        reg.parse("kite.demo.nothing.v1", {})


def test_payloads_are_immutable_and_strict():
    _, v1, _ = _registry()
    thing = v1(size=1)
    with pytest.raises(Exception):
        thing.size = 2  # type: ignore[misc]
    with pytest.raises(Exception):
        v1(size=1, extra="no")


def test_json_schemas_exported_per_type():
    reg, _, _ = _registry()
    schemas = reg.json_schemas()
    assert set(schemas) == {"kite.demo.thing-happened.v1", "kite.demo.thing-happened.v2"}
    assert schemas["kite.demo.thing-happened.v1"]["required"] == ["size"]


def _envelope() -> EventEnvelope:
    return EventEnvelope(
        id=uuid.uuid4(),
        source="/kite/demo",
        type="kite.demo.thing-happened.v1",
        subject="thing-1",
        time=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        data={"size": 3, "名字": "风筝"},
        stream_version=4,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )


def test_binary_mode_message_is_read_by_the_cloudevents_sdk():
    env = _envelope()
    key, value, headers = encode(env)
    event = from_binary(KafkaMessage(headers=dict(headers), key=key, value=value), data_unmarshaller=json.loads)
    assert event["id"] == str(env.id)
    assert event["type"] == env.type
    assert event["source"] == "/kite/demo"
    assert event["subject"] == "thing-1"
    assert event["traceparent"] == env.traceparent
    assert event.data == {"size": 3, "名字": "风筝"}
    assert key == b"thing-1"


def test_decode_round_trips_and_rejects_garbage():
    env = _envelope()
    _key, value, headers = encode(env)
    assert decode(value, headers).envelope == env
    with pytest.raises(MalformedMessage):
        decode(b"not json", headers)
    with pytest.raises(MalformedMessage):
        decode(value, [h for h in headers if h[0] != "ce_type"])
