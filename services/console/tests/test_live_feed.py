"""The live feed's reader on the real broker: it starts at the end of the topics there (a console
started on a system with a long history replays none of it), reads on from where it was, and tells
each open page only of events in its jurisdiction — once per run of events. (The embedded broker
creates a topic when a client first asks for it, so a topic appearing under a running reader — the
client then reassigns every partition, which the reader answers by seeking back to where it was —
does not happen here.)"""

from __future__ import annotations

import asyncio
import contextlib
import json

from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import eventually
from kite_console.dashboard.live import LiveHub, Subscriber

COUNTY_A = "530625"
COUNTY_B = "530627"


def event(division: str | None) -> bytes:
    data = {"member_id": "x"} | ({"origin_division_code": f"{division}101001"} if division else {})
    return json.dumps(data).encode()


def drained(subscriber: Subscriber) -> list[str]:
    signals = []
    while not subscriber.queue.empty():
        signals.append(subscriber.queue.get_nowait())
    return signals


async def test_the_feed_starts_at_the_end_of_a_long_history(infra, prefix) -> None:  # type: ignore[no-untyped-def]
    kafka = infra.kafka(prefix)
    roster, casework = topic_for("roster", prefix), topic_for("casework", prefix)
    producer = await create_producer(kafka)
    hub = LiveHub(kafka)
    task = None
    try:
        for _ in range(30):  # the history a console started later must not replay
            await producer.send_and_wait(roster, event(COUNTY_A))
        async with hub.subscribe(COUNTY_A) as a, hub.subscribe(COUNTY_B) as b:  # pages open from the start
            task = asyncio.create_task(hub.run())
            await eventually(lambda: _true(hub.ready.is_set()))
            await asyncio.sleep(2)  # a replay of the history would have reached the pages by now
            assert drained(a) == []
            await producer.send_and_wait(casework, event(COUNTY_A))
            await eventually(lambda: _true(not a.queue.empty()))
            await asyncio.sleep(3)  # more than a metadata refresh: a replay after it would have shown
            assert drained(a) == ["casework"]
            assert drained(b) == []

            await producer.send_and_wait(roster, event(COUNTY_B))
            await eventually(lambda: _true(not b.queue.empty()))
            for _ in range(20):  # a run of events, in the other county
                await producer.send(roster, event(COUNTY_B))
            await producer.send_and_wait(roster, event(None))  # names no division: every page
            await eventually(lambda: _true(not a.queue.empty()))
            await asyncio.sleep(1)
            assert drained(a) == ["roster"]
            told = drained(b)  # at most once per run read (how the events fall into runs varies with fetches)
            assert set(told) == {"roster"} and len(told) >= 2
    finally:
        hub.stopping.set()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await producer.stop()


def test_a_run_of_events_tells_each_concerned_page_once() -> None:
    from kite_common.settings import KafkaSettings

    hub = LiveHub(KafkaSettings())
    pages = [Subscriber(COUNTY_A), Subscriber(COUNTY_A), Subscriber(COUNTY_B), Subscriber("53")]
    hub.subscribers.update(pages)
    hub.publish("roster", [json.loads(event(COUNTY_A)) for _ in range(1000)])
    assert [drained(p) for p in pages] == [["roster"], ["roster"], [], ["roster"]]
    hub.publish("roster", [])
    hub.publish("jobs", [{"posting_id": "p"}])  # no division: every page
    assert [drained(p) for p in pages] == [["jobs"]] * 4


async def _true(value: bool) -> bool:
    return value


async def test_a_console_stops_while_a_page_still_streams(infra, prefix, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Stopping drains as a deployed process does: an open page's event stream ends, so the server's
    shutdown (which waits for every connection) does not wait for the browser to go away."""
    import httpx
    from kite_common.testing.stack import RunningService
    from kite_console.service import SERVICE as CONSOLE

    monkeypatch.setenv("KITE_CONSOLE_DEV_SIGN_IN", "true")
    dsn = await infra.fresh_database(CONSOLE)
    console = await RunningService(CONSOLE, dsn, infra.kafka(prefix)).start(roles=("api",))
    try:
        async with httpx.AsyncClient(base_url=console.base_url, timeout=30) as client:
            page = await client.get("/signin")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            await client.post("/signin/dev", data={"user": f"{COUNTY_A}-viewer", "csrf_token": token})
            async with client.stream("GET", "/live") as stream:
                lines = stream.aiter_lines()
                assert (await anext(lines)).startswith("retry:")
                await asyncio.wait_for(console.stop(), 10)  # the page is still open
                console = None
    finally:
        if console is not None:
            await console.stop()
        await infra.drop(dsn)
