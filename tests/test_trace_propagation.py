"""One trace spans the HTTP request, the store and Kafka: the published CloudEvent carries the
trace id of the request that caused it, read back by an independent client and the CloudEvents SDK."""

from __future__ import annotations

import json
import secrets

from cloudevents.v1.kafka import KafkaMessage, from_binary
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.stack import auth, running
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit


async def test_published_event_carries_the_trace_id_of_the_http_request(infra, prefix):
    trace_id = secrets.token_hex(16)
    first17 = "52263119880808123"
    body = {
        "name": "王芳",
        "id_number": first17 + check_digit(first17),
        "phone": "13912345678",
        "origin_division_code": "522631101001",
        "current_city": "宁波",
        "is_party_member": False,
    }
    async with running(infra, ROSTER, prefix, roles=("api", "relay")) as roster, roster.client() as http:
        headers = auth(["registrar"], "522631") | {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        response = await http.post("/members", json=body, headers=headers)
        assert response.status_code == 201, response.text
        [message] = await read_messages(infra.bootstrap, topic_for("roster", prefix), 1)

    event = from_binary(KafkaMessage(message.headers, message.key, message.value), data_unmarshaller=json.loads)
    assert event["type"] == "kite.roster.member-registered.v1"
    assert event["subject"] == f"member-{response.json()['member_id']}"
    assert event["traceparent"].split("-")[1] == trace_id
    assert message.headers["traceparent"].decode().split("-")[1] == trace_id
    # personal numbers never travel in events, in the clear or masked
    raw = message.value.decode() + json.dumps({k: v.decode() for k, v in message.headers.items()})
    assert body["id_number"] not in raw and body["phone"] not in raw and "5678" not in raw
