from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer

from kite_common.settings import KafkaSettings


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.sasl_mechanism:
        opts["sasl_mechanism"] = settings.sasl_mechanism
        opts["sasl_plain_username"] = settings.sasl_username
        opts["sasl_plain_password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return opts


async def create_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(
        **client_options(settings),
        enable_idempotence=settings.enable_idempotence,
        compression_type=settings.compression_type,
        acks="all",
        linger_ms=5,
    )
    try:
        await producer.start()
    except BaseException:
        await producer.stop()
        raise
    return producer
