"""When to try a failed webhook delivery again. Pure."""

from __future__ import annotations

MAX_DELAY_S = 300.0


def backoff_delay(failed_attempts: int, initial_s: float, max_s: float = MAX_DELAY_S) -> float:
    """Seconds to wait after the n-th failed attempt: initial, 2×, 4×… capped at `max_s`."""
    return float(min(max_s, initial_s * 2 ** max(0, failed_attempts - 1)))


def total_retry_window(max_attempts: int, initial_s: float, timeout_s: float) -> float:
    """The longest one claim of a delivery can take: every attempt timing out, every wait."""
    waits = sum(backoff_delay(n, initial_s) for n in range(1, max_attempts))
    return max_attempts * timeout_s + waits
