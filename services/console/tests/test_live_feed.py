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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from kite_common.auth import issue_dev_token
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import TEST_SECRETS, eventually
from kite_common.testing.stack import token as stack_token
from kite_console.dashboard.live import LiveHub, Subscriber
from kite_console.web.api import Apis

from .conftest import YONGSHAN, ZHENXIONG, Console

COUNTY_A = YONGSHAN
COUNTY_B = ZHENXIONG


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


class CountingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, recording each API call the console makes: (path, bearer token)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.calls: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.url.path, request.headers.get("Authorization", "").removeprefix("Bearer ")))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Page:
    """A dashboard open in a browser: a session of its own following `/live` for one ledger and area."""

    name: str
    token: str
    session_id: str
    csrf: str
    events: asyncio.Queue[tuple[str, str]] = field(default_factory=asyncio.Queue)
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self) -> tuple[str, str]:
        return await asyncio.wait_for(self.events.get(), 30)  # a safety net, not a measurement


async def _follow(client: httpx.AsyncClient, page: Page, params: dict[str, str], connected: asyncio.Event) -> None:
    async with client.stream(
        "GET", "/live", params=params, headers={"Cookie": f"kite_session={page.session_id}"}
    ) as stream:
        assert stream.status_code == 200
        event, data = "message", []
        async for line in stream.aiter_lines():
            if line == ": connected":
                connected.set()
            elif line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data.append(line.removeprefix("data: "))
            elif line == "" and data:
                page.events.put_nowait((event, "\n".join(data)))
                event, data = "message", []
    page.ended.set()


@contextlib.asynccontextmanager
async def _counted(app: Any) -> AsyncIterator[CountingTransport]:
    counting = CountingTransport()
    saved, app.state.apis = app.state.apis, Apis(transport=counting)
    try:
        yield counting
    finally:
        await app.state.apis.close()
        app.state.apis = saved


def _total(panel: str) -> int:
    return int(panel.split('id="total-members">', 1)[1].split("<", 1)[0])


async def test_pages_of_one_key_share_one_read_of_their_panel_and_no_other_page_does(console: Console) -> None:
    """Two users of one jurisdiction and roles showing one ledger and area get the same refreshed panel
    from one set of API reads; other roles, another ledger or area, another county each read their own,
    with their own token; a page whose session ended or expired gets no panel and no read is made for it."""
    app = console.console._server.config.app  # type: ignore[union-attr]
    store = app.state.sessions
    pool = console.console.pool
    hub = app.state.live_hub

    async def page(name: str, roles: tuple[str, ...], county: str, ttl: timedelta | None = None) -> Page:
        token = stack_token(roles, county, subject=f"user-{name}")
        if ttl is not None:  # a token past its `exp` in a session still open (a provider's short-lived token)
            secret = TEST_SECRETS["KITE_AUTH_JWT_SECRET"]
            token = issue_dev_token(secret, subject=f"user-{name}", roles=list(roles), jurisdiction=county, ttl=ttl)
        session_id = await store.create(
            subject=f"user-{name}", name=name, roles=list(roles), jurisdiction=county, token=token
        )
        csrf = await pool.fetchval("SELECT csrf_token FROM console_sessions WHERE subject = $1", f"user-{name}")
        return Page(name, token, session_id, csrf)

    registration = {"ledger": "registration", "origin": YONGSHAN}
    pages = {
        "a": (await page("a", ("viewer",), YONGSHAN), registration),
        "b": (await page("b", ("viewer",), YONGSHAN), registration),
        "station": (await page("station", ("registrar", "caseworker"), YONGSHAN), registration),
        "service": (await page("service", ("viewer",), YONGSHAN), {"ledger": "service", "origin": YONGSHAN}),
        "township": (
            await page("township", ("viewer",), YONGSHAN),
            {"ledger": "registration", "origin": f"{YONGSHAN}101"},
        ),
        "signed-out": (await page("signed-out", ("viewer",), YONGSHAN), registration),
        "expired": (await page("expired", ("party-affairs",), YONGSHAN), registration),
        "old-token": (await page("old-token", ("viewer",), YONGSHAN, ttl=timedelta(seconds=-1)), registration),
        "zhenxiong": (await page("zhenxiong", ("viewer",), ZHENXIONG), {"ledger": "registration", "origin": ZHENXIONG}),
    }
    async with httpx.AsyncClient(base_url=console.url, timeout=httpx.Timeout(30, read=None)) as client:
        tasks = []
        for p, params in pages.values():
            connected = asyncio.Event()
            tasks.append(asyncio.create_task(_follow(client, p, params, connected)))
            await asyncio.wait_for(connected.wait(), 30)
        try:
            a, b = pages["a"][0], pages["b"][0]
            # A registration in 永善: the pages of its key hold the new total, in the same panel.
            first = await console.register_member(91)
            assert first
            event_a, event_b = await a.next(), await b.next()
            assert event_a[0] == "panel" and event_a == event_b
            total = _total(event_a[1])
            for name in ("station", "service", "township", "signed-out", "expired"):
                assert (await pages[name][0].next())[0] == "panel", name
            # in a's and b's group, but its token has expired: no panel
            assert await pages["old-token"][0].next() == ("changed", "session")
            await asyncio.wait_for(pages["old-token"][0].ended.wait(), 30)
            assert pages["old-token"][0].events.empty()
            # Whatever else that registration set off has been told; now one event, counted.
            await store.delete(pages["signed-out"][0].session_id)
            await pool.execute(
                "UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE subject = 'user-expired'"
            )
            async with _counted(app) as counting:
                hub.publish("roster", [{"origin_division_code": f"{YONGSHAN}101001"}])
                shown = {name: await pages[name][0].next() for name in ("a", "b", "station", "service", "township")}
                gone = {name: await pages[name][0].next() for name in ("signed-out", "expired")}
                await asyncio.wait_for(pages["signed-out"][0].ended.wait(), 30)
                await asyncio.wait_for(pages["expired"][0].ended.wait(), 30)
                calls = list(counting.calls)
            # a and b: one set of reads (the ledger and the open cases), with one of their tokens
            by_token = {name: [path for path, token in calls if token == p.token] for name, (p, _) in pages.items()}
            assert sorted(by_token["a"] + by_token["b"]) == ["/ledgers/registration", "/ledgers/service/statuses"]
            assert shown["a"] == shown["b"] and shown["a"][0] == "panel" and _total(shown["a"][1]) == total
            for name in ("station", "service", "township"):
                assert sorted(by_token[name]) == sorted(
                    ["/ledgers/service" if name == "service" else "/ledgers/registration", "/ledgers/service/statuses"]
                ), name
                assert shown[name][0] == "panel", name
            assert len(calls) == 8  # four keys, two reads each: nothing for the ended sessions nor 镇雄
            # each key its own panel: roles (the station may read no more than the viewer here, but its own
            # read), ledger and area
            assert 'data-panel="/dashboard/panel?ledger=service&amp;origin=530625"' in shown["service"][1]
            assert 'data-panel="/dashboard/panel?ledger=registration&amp;origin=530625101"' in shown["township"][1]
            assert 'data-panel="/dashboard/panel?ledger=registration&amp;origin=530625"' in shown["a"][1]
            # nothing of a session in a shared panel
            for p, _ in pages.values():
                assert p.csrf not in shown["a"][1] and p.token not in shown["a"][1]
            # ended sessions: told "changed" (the page asks, and is sent to sign in), never a panel; the stream ends
            assert gone == {"signed-out": ("changed", "session"), "expired": ("changed", "session")}
            assert pages["signed-out"][0].events.empty() and pages["expired"][0].events.empty()
            answer = await client.get(
                "/dashboard/panel",
                params=registration,
                headers={"Cookie": f"kite_session={pages['expired'][0].session_id}"},
            )
            assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")

            # 镇雄's page was told nothing of 永善: its first event is its own county's panel, read with its token.
            async with _counted(app) as counting:
                hub.publish("roster", [{"posting_id": "p"}])  # names no division: every county's pages
                zhenxiong = await pages["zhenxiong"][0].next()
                for name in ("a", "b", "station", "service", "township"):
                    await pages[name][0].next()
                calls = list(counting.calls)
            assert zhenxiong[0] == "panel" and 'origin=530627"' in zhenxiong[1] and "530625" not in zhenxiong[1]
            zhenxiong_token = pages["zhenxiong"][0].token
            assert sorted(path for path, token in calls if token == zhenxiong_token) == [
                "/ledgers/registration",
                "/ledgers/service/statuses",
            ]
            assert len(calls) == 10
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
