"""Delivery states, as GOV.UK Notify names them, and what a channel may answer. Pure.

created → sending (handed to a provider that reports later) → delivered, or one of the failures:
temporary-failure (the provider could not deliver for now: phone off, daily limit), permanent-failure
(the address does not exist or refuses), technical-failure (notify could not hand it over, after its
bounded retries). Every state after `sending` is final.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

DeliveryStatus = Literal[
    "created", "sending", "delivered", "temporary-failure", "permanent-failure", "technical-failure"
]
FINAL: frozenset[str] = frozenset({"delivered", "temporary-failure", "permanent-failure", "technical-failure"})
OutboundChannel = Literal["email", "sms", "robot"]


class ChannelError(Exception):
    """A send that did not succeed; `status` is what it makes of the delivery."""

    status: DeliveryStatus = "technical-failure"
    retry: bool = True  # worth another attempt (until the attempts run out)


class TemporaryFailure(ChannelError):
    status = "temporary-failure"
    retry = False


class PermanentFailure(ChannelError):
    status = "permanent-failure"
    retry = False


class TechnicalError(ChannelError):
    """Could not reach or be understood by the provider: tried again with backoff."""


@dataclass(frozen=True)
class OutboundMessage:
    notification_id: uuid.UUID
    channel: OutboundChannel
    address: str  # an email address, a mobile number or a robot's sealed form: decrypted only to send, never logged
    kind: str
    title: str
    body: str
    values: dict[str, str]  # the template's values, which SMS providers take as template parameters


@dataclass(frozen=True)
class Sent:
    status: Literal["sending", "delivered"]
    provider_reference: str | None = None


def can_move(current: str | None, new: str) -> bool:
    """A status only moves forward: nothing leaves a final state, and a repeat changes nothing."""
    if current == new or current in FINAL:
        return False
    return not (current == "sending" and new == "created")


class OutboundChannelAdapter(Protocol):
    """What every email or SMS adapter is: it sends one message or raises a `ChannelError`."""

    name: str

    async def send(self, message: OutboundMessage) -> Sent: ...
