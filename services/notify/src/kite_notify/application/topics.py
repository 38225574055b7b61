"""Which topic notify publishes to, seen from inside a consumer handler.

A handler is given only a connection and the received event, not the service's Kafka settings; the
received topic is `<prefix><service>.events`, so notify's own topic shares its prefix.
"""

from __future__ import annotations

from kite_common.messaging.cloudevents_kafka import topic_for

SERVICE = "notify"


def own_topic_beside(received_topic: str) -> str:
    base = received_topic.removesuffix(".events")
    prefix = base[: base.rfind(".") + 1]
    return str(topic_for(SERVICE, prefix))
