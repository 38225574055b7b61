"""Fixtures for notify's integration tests: the service, a webhook receiver, and a way to publish the
other services' events onto their (test-prefixed) topics."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import running, serving
from kite_notify.service import SERVICE
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import providers

COUNTY = "522631"  # 黎平县, 贵州
ORIGIN = f"{COUNTY}101001"
# The test receiver listens on loopback, which webhooks may reach only where an operator allows it.
RECEIVER_NETWORK = "127.0.0.1/32"


class Events:
    """Builders of the other services' CloudEvents, as their contracts describe them."""

    county = COUNTY
    origin = ORIGIN

    @staticmethod
    def member_registered(
        member_id: uuid.UUID,
        name: str = "张三",
        origin: str = ORIGIN,
        languages: list[str] | None = None,
        party: bool = True,
        skills: list[str] | None = None,
    ) -> EventEnvelope:
        return _event(
            "roster",
            "member-registered",
            f"member-{member_id}",
            {
                "member_id": str(member_id),
                "name": name,
                "gender": "male",
                "birth_year": 1990,
                "origin_division_code": origin,
                "current_city": "杭州",
                "employer": "杭州某电子厂",
                "is_party_member": party,
                "skills": skills or ["电工", "焊工"],
                "languages": languages or ["普通话"],
                "registered_by": "registrar-1",
            },
        )

    @staticmethod
    def member_updated(member_id: uuid.UUID, version: int, **changes: Any) -> EventEnvelope:
        """An edit in the roster changing `changes` (field → new value)."""
        data = {"member_id": str(member_id), "changed": list(changes), "updated_by": "registrar-1", **changes}
        return _event("roster", "member-updated", f"member-{member_id}", data, version)

    @staticmethod
    def member_relocated(member_id: uuid.UUID, version: int, city: str = "苏州") -> EventEnvelope:
        data = {
            "member_id": str(member_id),
            "moved_on": "2025-03-01",
            "current_city": city,
            "employer": None,
            "previous_city": "杭州",
            "previous_employer": "杭州某电子厂",
            "recorded_by": "registrar-1",
        }
        return _event("roster", "member-relocated", f"member-{member_id}", data, version)

    @staticmethod
    def member_deregistered(member_id: uuid.UUID, version: int, reason: str = "deceased") -> EventEnvelope:
        data = {"member_id": str(member_id), "reason": reason, "deregistered_by": "registrar-1"}
        return _event("roster", "member-deregistered", f"member-{member_id}", data, version)

    @staticmethod
    def case_opened(
        member_id: uuid.UUID, origin: str = ORIGIN, case_id: uuid.UUID | None = None, urgency: str = "high"
    ) -> EventEnvelope:
        case_id = case_id or new_id()
        return _event(
            "casework",
            "case-opened",
            f"case-{case_id}",
            {
                "case_id": str(case_id),
                "member_id": str(member_id),
                "origin_division_code": origin,
                "category": "wage_arrears",
                "urgency": urgency,
                "description": "工厂拖欠三个月工资",
                "sla_tier": "week",
                "deadline": (utcnow() + timedelta(days=7)).isoformat(),
                "opened_by": "caseworker-1",
            },
        )

    @staticmethod
    def case_step(case_id: uuid.UUID, name: str, version: int, **data: Any) -> EventEnvelope:
        """A later step of a case (case-accepted, case-resolved…): it names only the case."""
        at = utcnow().isoformat()
        fields: dict[str, dict[str, Any]] = {
            "case-accepted": {"accepted_by": "caseworker-1", "accepted_at": at},
            "case-transfer-accepted": {
                "previous_owner": "caseworker-1",
                "accepted_by": "caseworker-2",
                "accepted_at": at,
            },
            "case-resolved": {
                "outcome": "resolved",
                "summary": "已追回工资",
                "resolved_by": "caseworker-2",
                "resolved_at": at,
            },
            "case-follow-up-recorded": {
                "reached": False,
                "recorded_by": "caseworker-2",
                "recorded_at": at,
                "attempt": 1,
            },
        }
        body = {"case_id": str(case_id), **fields[name], **data}
        return _event("casework", name, f"case-{case_id}", body, version)

    @staticmethod
    def organisation_registered(
        organisation_id: uuid.UUID, division_code: str, parent_id: uuid.UUID | None = None
    ) -> EventEnvelope:
        data = {
            "organisation_id": str(organisation_id),
            "name": "流动党员党支部",
            "kind": "branch",
            "division_code": division_code,
            "parent_id": str(parent_id) if parent_id else None,
            "registered_by": "party-1",
        }
        return _event("roster", "organisation-registered", f"organisation-{organisation_id}", data)

    @staticmethod
    def membership_joined(member_id: uuid.UUID, organisation_id: uuid.UUID) -> EventEnvelope:
        data = {
            "member_id": str(member_id),
            "organisation_id": str(organisation_id),
            "role": "member",
            "joined_on": "2024-07-01",
            "recorded_by": "party-1",
        }
        return _event("roster", "branch-membership-joined", f"member-{member_id}", data, 2)

    @staticmethod
    def certificate_issued(member_id: uuid.UUID, origin: str = ORIGIN) -> EventEnvelope:
        certificate_id = new_id()
        return _event(
            "casework",
            "certificate-issued",
            f"certificate-{certificate_id}",
            {
                "certificate_id": str(certificate_id),
                "member_id": str(member_id),
                "case_id": None,
                "origin_division_code": origin,
                "template": "employment",
                "title": "务工证明",
                "office_name": "黎平县人社局",
                "issued_by": "caseworker-1",
                "issued_at": utcnow().isoformat(),
                "payload": "{}",
                "signature": "c2ln",
                "key_id": "k1",
            },
        )

    @staticmethod
    def job_matched(member_id: uuid.UUID, origin: str = ORIGIN) -> EventEnvelope:
        posting_id = new_id()
        return _event(
            "jobs",
            "job-matched",
            f"posting-{posting_id}",
            {
                "posting_id": str(posting_id),
                "member_id": str(member_id),
                "employer_id": str(new_id()),
                "title": "电子厂普工",
                "city": "杭州",
                "matched_skills": ["电工"],
                "score": 0.8,
                "member_origin_division_code": origin,
            },
        )


def _event(service: str, name: str, subject: str, data: dict[str, Any], version: int = 1) -> EventEnvelope:
    return EventEnvelope(
        id=new_id(),
        source=f"/kite/{service}",
        type=f"kite.{service}.{name}.v1",
        subject=subject,
        time=datetime.now(UTC),
        data=data,
        stream_version=version,
    )


@pytest.fixture
def make() -> type[Events]:
    return Events


Publish = Callable[..., Awaitable[None]]


@pytest.fixture
def publish(infra, prefix) -> Publish:
    """Publish CloudEvents to the topics of the services that own them, as their relays would."""

    async def _publish(*events: EventEnvelope) -> None:
        producer = await create_producer(infra.kafka(prefix))
        try:
            for event in events:
                service = event.source.rsplit("/", 1)[-1]
                key, value, headers = encode(event)
                await producer.send_and_wait(topic_for(service, prefix), value=value, key=key, headers=headers)
        finally:
            await producer.stop()

    return _publish


@pytest.fixture
def webhook_settings(monkeypatch) -> dict[str, str]:
    """Quick retries for tests; a test may change these before the service starts."""
    values = {
        "KITE_WEBHOOK_BACKOFF_INITIAL_S": "0.05",
        "KITE_WEBHOOK_MAX_ATTEMPTS": "4",
        "KITE_WEBHOOK_TIMEOUT_S": "2",
        "KITE_WEBHOOK_ALLOWED_NETWORKS": RECEIVER_NETWORK,  # the receiver below
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
async def notify(infra, prefix, webhook_settings):
    async with running(infra, SERVICE, prefix) as svc:
        yield svc


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server that takes webhook POSTs; it answers 503 to the first `fail_first` of them."""

    url: str = ""
    fail_first: int = 0
    posts: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        got = Received({k.lower(): v for k, v in request.headers.items()}, await request.body())
        self.posts.append(got)
        if len(self.posts) <= self.fail_first:
            return Response("busy", status_code=503)
        self.accepted.append(got)
        return Response(status_code=204)


@pytest.fixture
async def receiver(monkeypatch) -> AsyncIterator[Receiver]:
    monkeypatch.setenv("KITE_WEBHOOK_ALLOWED_NETWORKS", RECEIVER_NETWORK)
    rec = Receiver()
    app = Starlette(routes=[Route("/hooks/kite", rec.handle, methods=["POST"])])
    async with serving(app, "the webhook receiver") as url:
        rec.url = url + "/hooks/kite"
        yield rec


@pytest.fixture
async def channels(infra, prefix, monkeypatch, tmp_path):
    """notify with email and SMS configured against the local SMTP server and Aliyun stand-in."""
    with providers.smtp_server(tmp_path) as (mailbox, smtp_port, ca_file):
        async with providers.aliyun_sms() as provider:
            env = {
                "KITE_SMTP_HOST": "127.0.0.1",
                "KITE_SMTP_PORT": str(smtp_port),
                "KITE_SMTP_CA_FILE": str(ca_file),
                "KITE_SMTP_SENDER": "noreply@kite.test",
                "KITE_SMS_ALIYUN_ENDPOINT": provider.url,
                "KITE_SMS_ALIYUN_ACCESS_KEY_ID": providers.ACCESS_KEY_ID,
                "KITE_SMS_ALIYUN_ACCESS_KEY_SECRET": providers.ACCESS_KEY_SECRET,
                "KITE_SMS_ALIYUN_TEMPLATE_CODES": json.dumps(
                    {"case-accepted": "SMS_465900001", "broadcast": "SMS_465900002"}
                ),
                "KITE_SMS_ALIYUN_RECEIPT_TOKEN": providers.RECEIPT_TOKEN,
                "KITE_NOTIFY_MAX_ATTEMPTS": str(providers.MAX_ATTEMPTS),
                "KITE_NOTIFY_BACKOFF_INITIAL_S": "0.05",
            }
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            async with running(infra, SERVICE, prefix) as svc:
                yield svc, mailbox, provider
