"""`kite up` as a developer runs it: real processes, a real Tansu broker it starts itself, the
test's PostgreSQL. A service process killed with SIGKILL is restarted; a killed broker comes back
on the same port and the services' events are republished from their stores, each effect once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from kite_common.auth.tokens import issue_dev_token
from kite_common.discovery import installed_services
from kite_common.dsn import with_database
from kite_common.ids import new_id
from kite_common.localstack.broker_state import BrokerRecord
from kite_common.localstack.infra import drop_database
from kite_common.testing.stack import eventually
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
SERVICES = ("roster", "casework", "jobs", "notify")
ALL = list(installed_services())  # `kite up` starts every installed service, on ports in this order


def _port_base() -> int:
    """A free port for every installed service, in a row (`kite up` gives them out in order)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + len(ALL) >= 65535:
            continue
        try:
            for p in range(base, base + len(ALL)):
                with socket.socket() as t:
                    t.bind(("127.0.0.1", p))
        except OSError:
            continue
        return base
    raise RuntimeError("no free ports in a row")


class Stack:
    def __init__(self, data_dir: Path, admin_dsn: str) -> None:
        self.data_dir = data_dir
        self.admin_dsn = admin_dsn
        self.db_prefix = f"kite_up{new_id().hex[-8:]}_"
        self.port_base = _port_base()
        self.out = data_dir / "terminal.txt"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "KITE_"))}
        env.update(
            DATABASE_URL=self.admin_dsn,
            KITE_DATA_DIR=str(self.data_dir),
            KITE_PORT_BASE=str(self.port_base),
            KITE_DATABASE_PREFIX=self.db_prefix,
            COLUMNS="200",
        )
        with open(self.out, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kite_common.cli", "up"], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def terminal(self) -> str:
        return self.out.read_text("utf-8", errors="replace")

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port_base + ALL.index(name)}"

    def child(self, name: str) -> psutil.Process:
        assert self.process is not None
        for proc in psutil.Process(self.process.pid).children():
            if proc.cmdline()[-2:] == ["run", name]:
                return proc
        raise AssertionError(f"no {name} child")

    def broker(self) -> psutil.Process:
        assert self.process is not None
        for proc in psutil.Process(self.process.pid).children():
            if "broker" in proc.cmdline():
                return proc
        raise AssertionError("no broker child")

    def dsn(self, name: str) -> str:
        return with_database(self.admin_dsn, f"{self.db_prefix}{name}")

    def headers(self) -> dict[str, str]:
        # The stack's own secret (this process's environment holds the tests' one).
        stored = dict(line.split("=", 1) for line in (self.data_dir / "secrets.env").read_text().splitlines())
        secret = stored["KITE_AUTH_JWT_SECRET"]
        return {"Authorization": "Bearer " + issue_dev_token(secret, roles=["registrar"], jurisdiction=COUNTY)}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                for proc in psutil.Process(self.process.pid).children(recursive=True):
                    proc.kill()
                self.process.kill()


async def _ready(stack: Stack) -> bool:
    async with httpx.AsyncClient(timeout=2) as http:
        for name in SERVICES:
            try:
                if (await http.get(stack.url(name) + "/readyz")).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
    return True


async def _register(stack: Stack, seq: int) -> str:
    first17 = f"{COUNTY}19900101{seq:03d}"
    async with httpx.AsyncClient(base_url=stack.url("roster"), timeout=30, headers=stack.headers()) as http:
        created = await http.post(
            "/members",
            json={
                "name": f"成员{seq}",
                "id_number": first17 + check_digit(first17),
                "phone": f"138{seq:08d}",
                "origin_division_code": f"{COUNTY}101001",
                "current_city": "杭州",
            },
        )
    assert created.status_code == 201, created.text
    return str(created.json()["member_id"])


async def _directory(stack: Stack, member_ids: list[str]) -> list[str] | None:
    conn = await asyncpg.connect(stack.dsn("casework"))
    try:
        rows = await conn.fetch("SELECT member_id::text FROM member_directory")
    finally:
        await conn.close()
    found = sorted(r["member_id"] for r in rows)
    return found if found == sorted(member_ids) else None


async def _republished(stack: Stack) -> int | None:
    conn = await asyncpg.connect(stack.dsn("roster"))
    try:
        rows = await conn.fetch("SELECT published, done_at FROM republish_requests ORDER BY id")
    finally:
        await conn.close()
    return rows[-1]["published"] if rows and all(r["done_at"] is not None for r in rows) else None


def _said(stack: Stack, *texts: str) -> bool:
    terminal = stack.terminal()
    return all(t in terminal for t in texts)


async def _eventually_said(stack: Stack, *texts: str, timeout: float = 60) -> None:
    async def check() -> bool:
        return _said(stack, *texts)

    try:
        await eventually(check, timeout=timeout, interval=0.5)
    except AssertionError:
        pytest.fail(f"the terminal never said {texts!r}:\n{stack.terminal()[-3000:]}")


@pytest.mark.timeout(600)  # its own waits (ready, restart, republish) add up to more than the default 120 s
async def test_kite_up_restarts_a_killed_service_and_a_killed_broker_and_republishes_once(infra, tmp_path):
    stack = Stack(tmp_path / "kite", infra.admin_dsn)
    stack.data_dir.mkdir()
    stack.start()
    try:
        await eventually(lambda: _ready(stack), timeout=180, interval=1)
        first = await _register(stack, 1)
        await eventually(lambda: _directory(stack, [first]), timeout=60)
        broker_port = BrokerRecord.load(stack.data_dir).port

        casework = stack.child("casework")
        casework.kill()
        await _eventually_said(stack, "casework exited (code -9)", "casework restarted")
        assert stack.child("casework").pid != casework.pid
        await eventually(lambda: _ready(stack), timeout=120, interval=1)

        broker = stack.broker()
        broker.kill()
        await _eventually_said(stack, "the broker stopped", "broker restarted")
        assert stack.broker().pid != broker.pid
        assert BrokerRecord.load(stack.data_dir).port == broker_port
        assert f"127.0.0.1:{broker_port}" in " ".join(stack.broker().cmdline())
        # The roster relay re-sent its one event to the empty broker; casework had handled it.
        assert await eventually(lambda: _republished(stack), timeout=120) == 1

        second = await _register(stack, 2)
        await eventually(lambda: _directory(stack, [first, second]), timeout=120)
        await asyncio.sleep(2)  # a duplicate would show by now
        assert await _directory(stack, [first, second]) is not None
        assert stack.process is not None and stack.process.poll() is None
    finally:
        stack.stop()
        for name in ALL:
            await drop_database(infra.admin_dsn, f"{stack.db_prefix}{name}")
    assert "stopped" in stack.terminal()
