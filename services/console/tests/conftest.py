"""A running roster and casework (API, relay, consumers) and the console in front of them, on one
topic prefix, with the console's dev sign-in on."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from kite_casework.service import SERVICE as CASEWORK
from kite_common.ids import new_id
from kite_common.testing.stack import RunningService, auth, eventually, running
from kite_console.service import SERVICE as CONSOLE
from kite_jobs.service import SERVICE as JOBS
from kite_notify.service import SERVICE as NOTIFY
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit

YONGSHAN = "530625"  # 永善县, 昭通, 云南
ZHENXIONG = "530627"  # 镇雄县, 昭通, 云南


def id_number(seq: int, county: str = YONGSHAN) -> str:
    first17 = f"{county}19880203{seq:03d}"
    return first17 + check_digit(first17)


@dataclass
class Console:
    roster: RunningService
    casework: RunningService
    console: RunningService
    jobs: RunningService
    notify: RunningService

    @property
    def url(self) -> str:
        return self.console.base_url

    async def register_member(self, seq: int, county: str = YONGSHAN, name: str = "杨德贵") -> uuid.UUID:
        """A member registered through the roster's API (set-up for the pages), known to casework."""
        body = {
            "name": name,
            "id_number": id_number(seq, county),
            "phone": f"139{seq:08d}",
            "origin_division_code": f"{county}101001",
            "current_city": "宁波",
        }
        async with self.roster.client(headers=auth(["registrar"], county)) as http:
            created = await http.post("/members", json=body)
        assert created.status_code == 201, created.text
        member_id = uuid.UUID(created.json()["member_id"])
        await self.known_to_casework(member_id)
        return member_id

    async def known_to_casework(self, member_id: uuid.UUID) -> None:
        pool = self.casework.pool
        assert pool is not None
        await eventually(lambda: pool.fetchval("SELECT true FROM member_directory WHERE member_id = $1", member_id))

    @contextlib.asynccontextmanager
    async def signed_in(self, user: str = f"{YONGSHAN}-station") -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client with a console session of a dev user (as a browser would get it)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30, follow_redirects=False) as client:
            page = await client.get("/signin")
            answer = await client.post("/signin/dev", data={"user": user, "csrf_token": csrf_of(page.text)})
            assert answer.status_code == 303, answer.text
            yield client


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture(scope="module")
async def console(infra) -> AsyncIterator[Console]:
    prefix = f"t{new_id().hex[-10:]}."
    async with (
        running(infra, ROSTER, prefix) as roster,
        running(infra, CASEWORK, prefix) as casework,
        running(infra, JOBS, prefix) as jobs,
        running(infra, NOTIFY, prefix) as notify,
    ):
        saved = {
            k: os.environ.get(k)
            for k in (
                "KITE_SERVICE_URL_ROSTER",
                "KITE_SERVICE_URL_CASEWORK",
                "KITE_SERVICE_URL_JOBS",
                "KITE_SERVICE_URL_NOTIFY",
                "KITE_CONSOLE_DEV_SIGN_IN",
            )
        }
        os.environ.update(
            KITE_SERVICE_URL_ROSTER=roster.base_url,
            KITE_SERVICE_URL_CASEWORK=casework.base_url,
            KITE_SERVICE_URL_JOBS=jobs.base_url,
            KITE_SERVICE_URL_NOTIFY=notify.base_url,
            KITE_CONSOLE_DEV_SIGN_IN="true",
        )
        try:
            async with running(infra, CONSOLE, prefix, roles=("api",)) as web:
                hub = web._server.config.app.state.live_hub  # type: ignore[union-attr]
                await eventually(lambda: _true(hub.ready.is_set()))
                yield Console(roster, casework, web, jobs, notify)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


async def _true(value: bool) -> bool:
    return value
