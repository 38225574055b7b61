"""`GET /events` over real HTTP: the store's events in global order as CloudEvents JSON, equal to the
Kafka messages; resumable from `next`, filtered by type, held open for new events, limited to the
caller's jurisdiction and scopes; a bad `after` is a problem."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import jwt
from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.sample import SAMPLE, Basket, ItemAdded
from kite_common.testing.stack import TEST_SECRETS, auth, eventually, running


class PlacedBasket(Basket):
    """A basket in a place: its events carry the place as their jurisdiction."""

    jurisdiction_attribute = "place"
    place: str = ""


async def add(svc, item: str, place: str | None) -> list[EventEnvelope]:
    async with svc.runtime.unit_of_work() as uow:
        stream = f"basket-{uuid.uuid4()}"
        return await uow.append(stream, 0, [ItemAdded(item=item, quantity=1)], jurisdiction=place)


async def visible(http, count: int) -> None:
    """Until the feed serves `count` events: a committed event is served once no older transaction
    is still running anywhere in the cluster (the gap-safe order), which can take a moment."""

    async def served() -> bool:
        r = await http.get("/events", params={"limit": 500}, headers=auth())
        return len(r.json()["events"]) >= count

    await eventually(served)


def client_token(scope: str, jurisdiction: str = "", roles: tuple[str, ...] = ("viewer",)) -> dict[str, str]:
    now = utcnow()
    claims = {
        "sub": "client:dashboard",
        "roles": list(roles),
        "jurisdiction": jurisdiction,
        "scope": scope,
        "iss": "kite",
        "aud": "kite",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return {"Authorization": "Bearer " + jwt.encode(claims, TEST_SECRETS["KITE_AUTH_JWT_SECRET"], algorithm="HS256")}


async def test_the_feed_serves_every_event_in_order_as_on_kafka_and_resumes_from_next(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api", "relay")) as svc, svc.client() as http:
        written = [e for i in range(5) for e in await add(svc, f"item{i}", "522631000000")]
        await visible(http, 5)
        first = await http.get("/events", params={"limit": 3}, headers=auth(["viewer"]))
        assert first.status_code == 200, first.text
        page = first.json()
        assert [e["id"] for e in page["events"]] == [str(e.id) for e in written[:3]]
        assert page["caught_up"] is False
        rest = (await http.get("/events", params={"after": page["next"]}, headers=auth(["viewer"]))).json()
        assert [e["id"] for e in rest["events"]] == [str(e.id) for e in written[3:]]
        assert rest["caught_up"] is True
        again = (await http.get("/events", params={"after": rest["next"]}, headers=auth(["viewer"]))).json()
        assert (again["events"], again["next"]) == ([], rest["next"])

        messages = await read_messages(infra.bootstrap, topic_for("sample", prefix), 5)
        by_id = {m.headers["ce_id"].decode(): m for m in messages}
        for event in page["events"] + rest["events"]:
            message = by_id[event["id"]]
            # traceparent is the transport's: the relay continues the trace when it publishes.
            headers = {
                k.removeprefix("ce_"): v.decode()
                for k, v in message.headers.items()
                if k.startswith("ce_") and k != "ce_traceparent"
            }
            assert {k: v for k, v in event.items() if k not in ("data", "datacontenttype", "traceparent")} == headers
            assert event["datacontenttype"] == message.headers["content-type"].decode()
            assert event["data"] == json.loads(message.value or b"")
            assert event["subject"] == (message.key or b"").decode()
            assert event["jurisdiction"] == "522631000000"


async def test_types_filter_and_an_unknown_type_is_a_problem(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        await add(svc, "a", None)
        await visible(http, 1)
        ok = await http.get("/events", params={"types": "kite.sample.item-added.v1"}, headers=auth())
        assert len(ok.json()["events"]) == 1
        other = await http.get("/events", params={"types": "kite.sample.item-removed.v1"}, headers=auth())
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
        assert other.json()["type"] == "https://kite.gov.cn/problems/unknown-event-type"


async def test_a_caller_sees_only_events_of_its_jurisdiction(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        mine = await add(svc, "mine", "522631000000")
        await add(svc, "elsewhere", "110101000000")
        await add(svc, "nowhere", None)
        await visible(http, 3)
        county = (await http.get("/events", headers=auth(["viewer"], jurisdiction="522631"))).json()
        assert [e["id"] for e in county["events"]] == [str(mine[0].id)]
        country = (await http.get("/events", headers=auth(["viewer"], jurisdiction=""))).json()
        assert [e["data"]["item"] for e in country["events"]] == ["mine", "elsewhere", "nowhere"]
        # The page still moves past what the caller may not see.
        assert county["next"] == country["next"]


async def test_an_aggregate_with_a_place_stamps_its_events(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        basket = PlacedBasket.create(uuid.uuid4())
        basket.place = "522631001000"
        basket.add(2)
        async with svc.runtime.unit_of_work() as uow:
            await uow.save(basket)
        await visible(http, 1)
        page = (await http.get("/events", headers=auth(["viewer"], jurisdiction="5226"))).json()
        assert [(e["subject"], e["jurisdiction"]) for e in page["events"]] == [(basket.stream_id, "522631001000")]


async def test_a_held_request_answers_when_an_event_arrives(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        start = (await http.get("/events", headers=auth())).json()["next"]
        waiting = asyncio.create_task(http.get("/events", params={"after": start, "wait": 20}, headers=auth()))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        written = await add(svc, "late", None)
        answered = (await waiting).json()
        assert [e["id"] for e in answered["events"]] == [str(written[0].id)]
        empty = (await http.get("/events", params={"after": answered["next"], "wait": 0.3}, headers=auth())).json()
        assert (empty["events"], empty["caught_up"]) == ([], True)


async def test_a_bad_position_is_a_problem(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        await add(svc, "a", None)
        for bad in ("abc", "1:2:3", "-1:5", "9" * 30 + ":1"):
            r = await http.get("/events", params={"after": bad}, headers=auth())
            assert (r.status_code, r.json()["type"]) == (400, "https://kite.gov.cn/problems/invalid-position"), bad
        missing = await http.get("/events", params={"after": "1:999999"}, headers=auth())
        assert (missing.status_code, missing.json()["type"]) == (404, "https://kite.gov.cn/problems/unknown-position")
        assert "events" not in missing.json()
        for params in ({"limit": 0}, {"limit": 501}, {"wait": 31}):
            assert (await http.get("/events", params=params, headers=auth())).status_code == 422


async def test_tokens_need_the_events_scope_and_a_staff_role(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        await add(svc, "a", None)
        assert (await http.get("/events")).status_code == 401
        refused = await http.get("/events", headers=client_token("sample:read"))
        assert (refused.status_code, refused.json()["type"]) == (403, "https://kite.gov.cn/problems/missing-scope")
        assert (await http.get("/events", headers=client_token("sample:events"))).status_code == 200
        other_service = await http.get("/events", headers=client_token("casework:events"))
        assert other_service.status_code == 403
        assert (await http.get("/events", headers=auth(["member"]))).status_code == 403


async def test_the_feed_is_documented_in_openapi(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        spec = (await http.get("/openapi.json")).json()
        operation = spec["paths"]["/events"]["get"]
        assert {p["name"] for p in operation["parameters"]} == {"after", "types", "limit", "wait"}
        assert {"200", "400", "401", "403", "404", "422"} <= set(operation["responses"])


async def test_a_client_system_past_its_rate_is_told_when_to_come_back(infra, prefix, monkeypatch):
    monkeypatch.setenv("KITE_HTTP_CLIENT_REQUESTS_PER_MINUTE", "3")
    async with running(infra, SAMPLE, prefix, roles=("api",)) as svc, svc.client() as http:
        # Seven in a row: whatever minute boundary falls between them, one minute sees a fourth.
        answers = [await http.get("/events", headers=client_token("sample:events")) for _ in range(7)]
        assert answers[0].status_code == 200
        limited = [r for r in answers if r.status_code == 429]
        assert limited and {r.status_code for r in answers} == {200, 429}
        assert limited[0].json()["type"] == "https://kite.gov.cn/problems/rate-limited"
        assert 1 <= int(limited[0].headers["retry-after"]) <= 60
        people = [await http.get("/events", headers=auth(["viewer"])) for _ in range(7)]
        assert {r.status_code for r in people} == {200}
