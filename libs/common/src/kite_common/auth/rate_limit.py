"""Requests per client system per minute, counted in this process (with N API replicas a client may
make up to N times the limit): a client past it gets 429 with Retry-After. People's tokens are not
limited here."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi import Request

from kite_common.auth.principal import Principal
from kite_common.http.problems import Problem

_MAX_TRACKED = 10_000


@dataclass
class ClientRateLimiter:
    per_minute: int
    _windows: dict[str, tuple[int, int]] = field(default_factory=dict)  # subject -> (minute, count)

    def check(self, subject: str, now: float | None = None) -> None:
        if self.per_minute <= 0:
            return
        now = time.time() if now is None else now
        minute = int(now // 60)
        if len(self._windows) > _MAX_TRACKED:  # forget past minutes; never grows without bound
            self._windows = {k: v for k, v in self._windows.items() if v[0] == minute}
        seen_minute, count = self._windows.get(subject, (minute, 0))
        count = count + 1 if seen_minute == minute else 1
        self._windows[subject] = (minute, count)
        if count > self.per_minute:
            retry = 60 - int(now % 60)
            raise Problem(
                "该客户端请求过于频繁，请稍后再试", status=429, code="rate-limited", retry_after=max(1, retry)
            )


def limit_client(request: Request, principal: Principal) -> None:
    """Counts a client system's request (a token with scopes) against its per-minute limit."""
    limiter: ClientRateLimiter | None = getattr(request.app.state, "client_rate_limiter", None)
    if limiter is not None and principal.scopes is not None:
        limiter.check(principal.subject)
