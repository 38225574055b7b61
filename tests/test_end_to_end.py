"""End to end over real HTTP and Kafka: register a member → open a case for them (the roster counts
it as a contact) → post a job and match it → the member's inbox shows three notifications, and a
webhook receiver got them signed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime

import uvicorn
from kite_casework.service import SERVICE as CASEWORK
from kite_common.localstack.infra import free_port
from kite_common.testing.stack import TEST_SECRETS, auth, eventually, running
from kite_jobs.service import SERVICE as JOBS
from kite_notify.domain.signing import verify
from kite_notify.service import SERVICE as NOTIFY
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COUNTY = "522631"  # 黎平县
STAFF = auth(["admin"], COUNTY, subject="county-staff")


@contextlib.asynccontextmanager
async def webhook_receiver():
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/hook", hook, methods=["POST"])]), host="127.0.0.1", port=port, log_config=None
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        server.should_exit = True
        await task


async def test_member_case_job_and_three_notifications(infra, prefix, monkeypatch):
    monkeypatch.setenv("KITE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")  # the receiver is on loopback
    first17 = f"{COUNTY}19850315203"
    async with (
        running(infra, ROSTER, prefix) as roster,
        running(infra, CASEWORK, prefix) as casework,
        running(infra, JOBS, prefix) as jobs,
        running(infra, NOTIFY, prefix) as notify,
        webhook_receiver() as (hook_url, received),
        roster.client(headers=STAFF) as roster_http,
        casework.client(headers=STAFF) as case_http,
        jobs.client(headers=STAFF) as jobs_http,
        notify.client(headers=STAFF) as notify_http,
    ):
        subscribed = await notify_http.post("/webhooks", json={"url": hook_url})
        assert subscribed.status_code == 201, subscribed.text

        registered = await roster_http.post(
            "/members",
            json={
                "name": "吴德明",
                "id_number": first17 + check_digit(first17),
                "phone": "13700001111",
                "origin_division_code": f"{COUNTY}104203",
                "current_city": "杭州",
                "employer": "杭州某建筑公司",
                "is_party_member": True,
                "skills": ["电工"],
            },
        )
        assert registered.status_code == 201, registered.text
        member_id = registered.json()["member_id"]

        async def open_case():
            response = await case_http.post(
                "/cases",
                json={
                    "member_id": member_id,
                    "category": "wage_arrears",
                    "urgency": "high",
                    "description": "工地拖欠三个月工资，共计一万二千元",
                },
            )
            return response if response.status_code != 422 else None  # 422 until casework knows the member

        opened = await eventually(open_case)
        assert opened.status_code == 201, opened.text
        assert opened.json()["deadline"] > opened.json()["opened_at"]

        async def contact_recorded():  # the roster counts a request for help as a contact
            return (await roster_http.get(f"/members/{member_id}")).json()["last_contact_at"]

        contacted_at = await eventually(contact_recorded, timeout=40)
        assert datetime.fromisoformat(contacted_at) == datetime.fromisoformat(opened.json()["opened_at"])

        employer = await jobs_http.post(
            "/employers", json={"name": "杭州某电子有限公司", "city": "杭州", "area_division_code": "330106000000"}
        )
        assert employer.status_code == 201, employer.text
        posting = await jobs_http.post(
            "/postings",
            json={
                "employer_id": employer.json()["employer_id"],
                "title": "电工",
                "city": "杭州",
                "skills_required": ["电工"],
                "headcount": 5,
                "wage_min": 6000,
                "wage_max": 8000,
                "area_division_code": "330106000000",
            },
        )
        assert posting.status_code == 201, posting.text
        posting_id = posting.json()["posting_id"]

        async def match():
            response = await jobs_http.post(f"/postings/{posting_id}/match")
            assert response.status_code == 200, response.text
            return response.json()["items"]  # empty until jobs knows the member

        matches = await eventually(match)
        assert [m["member_id"] for m in matches] == [member_id]

        async def inbox():
            response = await notify_http.get(f"/members/{member_id}/inbox")
            if response.status_code == 404:  # notify has not heard of the member yet
                return None
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            return items if len(items) >= 3 else None

        items = await eventually(inbox, timeout=40)
        assert len(items) == 3
        assert sorted(i["kind"] for i in items) == ["case-opened", "job-matched", "welcome"]
        assert any("欠薪" in i["body"] or "欠薪" in i["title"] for i in items)

        async def hooks():
            return received if len(received) >= 3 else None

        await eventually(hooks, timeout=40)
        assert len(received) == 3
        secret = TEST_SECRETS["KITE_WEBHOOK_SIGNING_SECRET"]
        for headers, body in received:
            assert verify(secret, headers["x-kite-signature"], body, int(time.time()))
            assert member_id in body.decode()
            assert "13700001111" not in body.decode() and first17 not in body.decode()
        tampered = received[0][1] + b" "
        assert not verify(secret, received[0][0]["x-kite-signature"], tampered, int(time.time()))
        assert len({h["x-kite-event-id"] for h, _ in received}) == 3
