"""The webhook channel: one signed HTTP POST of the notification as a structured CloudEvent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
from kite_common.http.outbound import AddressGuard, AddressRefused

from kite_notify.domain.channel import NotificationMessage
from kite_notify.domain.events import registry
from kite_notify.domain.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class DeliveryError(Exception):
    """The receiver did not take the notification."""


def cloudevent_body(message: NotificationMessage) -> bytes:
    """CloudEvents structured mode (JSON format): the same event notify publishes on its topic."""
    event = {
        "specversion": "1.0",
        "id": str(message.event_id),
        "source": registry.source,
        "type": message.event_type,
        "subject": message.stream_id,
        "time": message.created_at.isoformat(),
        "datacontenttype": "application/json",
        "data": message.data,
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        secret: str,
        clock: Callable[[], float] = time.time,
        guard: AddressGuard | None = None,
    ) -> None:
        self.client, self.url, self.secret, self.clock = client, url, secret, clock
        self.guard = guard or AddressGuard()

    async def deliver(self, message: NotificationMessage) -> None:
        body = cloudevent_body(message)
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": "kite-notify/1",
            SIGNATURE_HEADER: signature_header(self.secret, int(self.clock()), body),
            EVENT_ID_HEADER: str(message.event_id),
        }
        try:  # resolved and checked at each delivery (DNS can change), and sent where it was checked
            target = await self.guard.pin(self.url)
        except AddressRefused as exc:
            raise DeliveryError(str(exc)) from exc
        try:
            response = await self.client.post(
                target.url, content=body, headers={**headers, **target.headers}, extensions=target.extensions
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryError(f"HTTP {response.status_code}")
