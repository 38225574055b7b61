"""The group-robot channel: one POST to a WeCom, DingTalk or Feishu robot webhook, signed as the
provider requires (see `domain.robots`), to the address the outbound guard checked at this send.

The robot's URL carries its credential: it is never logged. httpx logs each request's URL at INFO,
so its logger gets a filter that masks robot URLs (and the request goes to the pinned IP anyway)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx
from kite_common.http.outbound import AddressGuard, AddressRefused

from kite_notify.domain.delivery import OutboundMessage, PermanentFailure, Sent, TechnicalError
from kite_notify.domain.robots import RobotAddress, mask_url, outcome, request_for


class _MaskRobotUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, httpx.URL | str) and _looks_like_robot(str(a)) for a in record.args
        ):
            record.args = tuple(
                mask_url(str(a)) if isinstance(a, httpx.URL | str) and _looks_like_robot(str(a)) else a
                for a in record.args
            )
        return True


def _looks_like_robot(text: str) -> bool:
    return "key=" in text or "access_token=" in text or "/bot/v2/hook/" in text


_FILTER = _MaskRobotUrls()
logging.getLogger("httpx").addFilter(_FILTER)


class GroupRobotChannel:
    name = "robot"

    def __init__(
        self,
        client: httpx.AsyncClient,
        guard: AddressGuard | None = None,
        clock: Callable[[], float] = time.time,
        timeout_s: float = 10.0,
    ) -> None:
        self.client, self.guard, self.clock, self.timeout_s = client, guard or AddressGuard(), clock, timeout_s

    async def send(self, m: OutboundMessage) -> Sent:
        try:
            address = RobotAddress.from_sealed_form(m.address)
        except (ValueError, KeyError) as exc:
            raise PermanentFailure("群机器人地址无法读取") from exc
        url, body = request_for(address, m.title, m.body, self.clock())
        try:  # resolved and checked at each send (DNS can change), and sent where it was checked
            target = await self.guard.pin(url)
        except AddressRefused as exc:
            raise PermanentFailure(str(exc)) from exc
        try:
            response = await self.client.post(
                target.url,
                json=body,
                headers={"User-Agent": "kite-notify/1", **target.headers},
                extensions=target.extensions,
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:  # the message names no URL: only the kind of failure
            raise TechnicalError(f"群机器人不可用：{type(exc).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return outcome(address.provider, response.status_code, answer)
