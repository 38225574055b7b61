"""A system without Kafka follows a Kite service's events over HTTP: `GET /events`, held open for
new events, resumed from the last `next` it kept."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from cloudevents.v1.http import CloudEvent, from_dict


def follow(
    base_url: str, token: str, after: str | None = None, types: list[str] | None = None
) -> Iterator[tuple[list[CloudEvent], str]]:
    """Yields each page of events with the position after it: handle the page, then store that
    position durably and resume from it after a restart (a page handled twice repeats event ids,
    so handle by id)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=40) as http:
        while True:
            params: dict[str, str | int | list[str]] = {"wait": 25, "limit": 200}
            if after:
                params["after"] = after
            if types:
                params["types"] = types
            response = http.get("/events", params=params)
            response.raise_for_status()  # a problem detail (application/problem+json) says why
            page = response.json()
            yield [from_dict(event) for event in page["events"]], page["next"]
            after = page["next"]
