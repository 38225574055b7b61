"""docs/consuming.md shows docs/examples/*.py verbatim, and the examples work: a dashboard reads a
topic from the beginning with confluent-kafka and the CloudEvents SDK, and a system follows the HTTP
feed — against a running service with real events."""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from pathlib import Path
from types import ModuleType

from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import eventually, running, token

DOCS = Path(__file__).resolve().parents[1] / "docs"


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guide_shows_the_tested_examples_verbatim():
    guide = (DOCS / "consuming.md").read_text("utf-8")
    for name in ("dashboard_from_kafka", "follow_the_feed"):
        assert (DOCS / "examples" / f"{name}.py").read_text("utf-8").strip() in guide, name


async def add_items(svc, count: int) -> list[str]:
    ids = []
    for i in range(count):
        async with svc.runtime.unit_of_work() as uow:
            written = await uow.append(f"basket-{uuid.uuid4()}", 0, [ItemAdded(item=f"i{i}", quantity=1)])
            ids.append(str(written[0].id))
    return ids


async def test_a_dashboard_reads_the_topic_from_the_beginning_with_the_cloudevents_sdk(infra, prefix):
    dashboard = example("dashboard_from_kafka")
    async with running(infra, SAMPLE, prefix, roles=("api", "relay")) as svc:
        ids = await add_items(svc, 4)
        pool = svc.pool
        # The topic exists once the relay has published (the outbox is empty).
        await eventually(lambda: pool.fetchval("SELECT count(*) = 0 FROM outbox"))
        events = await asyncio.to_thread(dashboard.read_from_beginning, infra.bootstrap, topic_for("sample", prefix), 4)
        assert sorted(e["id"] for e in events) == sorted(ids)
        assert dashboard.counts_by_type(events) == {"kite.sample.item-added.v1": 4}
        assert all(e["source"] == "/kite/sample" and e.data["quantity"] == 1 for e in events)


async def test_a_system_follows_the_http_feed_and_resumes_where_it_stopped(infra, prefix):
    feed = example("follow_the_feed")
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc:
        first = await add_items(svc, 3)
        reader = token(["viewer"])

        def read_until(count: int, after: str | None) -> tuple[list[str], str]:
            seen: list[str] = []
            for events, position in feed.follow(svc.base_url, reader, after=after):
                seen += [e["id"] for e in events]
                if len(seen) >= count:
                    return seen, position
            raise AssertionError("the feed ended")

        seen, position = await asyncio.to_thread(read_until, 3, None)
        assert seen == first
        later = await add_items(svc, 2)
        resumed, _ = await asyncio.to_thread(read_until, 2, position)
        assert resumed == later
