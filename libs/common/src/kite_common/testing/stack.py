"""Real infrastructure for tests: PostgreSQL and a Kafka-protocol broker, and services run in-process
on real ports. Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else embedded ones."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI

from kite_common.auth.tokens import issue_dev_token
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect, create_pool
from kite_common.dsn import with_database
from kite_common.http.app import create_app
from kite_common.ids import new_id
from kite_common.localstack.infra import (
    Broker,
    drop_database,
    ensure_database,
    free_port,
    start_embedded_postgres,
    start_tansu,
    stop_embedded_postgres,
)
from kite_common.messaging.consumer import ConsumerRunner
from kite_common.outbox.relay import OutboxRelay
from kite_common.runtime import ServiceRuntime
from kite_common.service import ServiceDefinition
from kite_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, RelaySettings

TEST_SECRETS = {
    "KITE_AUTH_JWT_SECRET": "test-secret-" + "x" * 40,
    "KITE_CRYPTO_DATA_KEYS": "t1:" + base64.b64encode(b"k" * 32).decode(),
    "KITE_CRYPTO_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
    "KITE_WEBHOOK_SIGNING_SECRET": "webhook-secret-for-tests",
    # Ed25519 private keys (raw 32 bytes) that sign e-seal certificates; the first signs.
    "KITE_CERT_SIGNING_KEYS": "test1:" + base64.b64encode(b"e" * 32).decode(),
    # ES256 (P-256, PKCS#8 DER) keys Kite's identity service signs client tokens with; the first signs.
    "KITE_IDENTITY_SIGNING_KEYS": "id-test-1:MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTiGOZr9q3ydEjzdf"
    "HIHZ9mhO3Do9PGjTLR+c9iWTzxShRANCAARyNhADO7euuKOSql/Nx71W84UedrHHo7fGnWTqNeHDgR41Amk89vSx5ubsJpcizFWmBANdhfXfEN9bJNpkV/pP",
}
# A second identity signing key, for tests of key rotation.
TEST_IDENTITY_KEY_2 = (
    "id-test-2:MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguwlsG7H4S0QMPg/HTycBsX7pXpAGbwQxpFffkKAg8AyhRANCAASWOWQB"
    "qSVi4cOyG/Fb/OGqDZ29/ARuSifCAKBioF1tfqnTZv8VvGG8OGpxLuYbX35eVlSAiPr1UzgRA36JKJg8"
)


@dataclass
class Infra:
    admin_dsn: str
    bootstrap: str
    _broker: Broker | None = None
    _pg_data: Path | None = None
    _templates: dict[str, str] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def start(cls) -> Infra:
        dsn = os.environ.get("DATABASE_URL")
        data = None
        if not dsn:
            data = Path(tempfile.mkdtemp(prefix="kite-test-pg-"))
            dsn = start_embedded_postgres(data)
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        broker = None
        if not bootstrap:
            broker = start_tansu()
            bootstrap = broker.bootstrap
        return cls(dsn, bootstrap, broker, data)

    def stop(self) -> None:
        if self._broker is not None:
            self._broker.stop()
        if self._pg_data is not None:
            stop_embedded_postgres(self._pg_data)
            shutil.rmtree(self._pg_data, ignore_errors=True)

    async def template_for(self, service: ServiceDefinition) -> str:
        """A migrated template database per service, made once per test session."""
        async with self._lock:
            if service.name not in self._templates:
                name = f"kite_tpl_{service.name}_{os.getpid()}"
                await drop_database(self.admin_dsn, name)
                dsn = await ensure_database(self.admin_dsn, name)
                conn = await connect(dsn)
                try:
                    await migrate(conn, service.migrations())
                finally:
                    await conn.close()
                self._templates[service.name] = name
            return self._templates[service.name]

    async def fresh_database(self, service: ServiceDefinition) -> str:
        template = await self.template_for(service)
        name = f"kite_t_{service.name}_{new_id().hex[-12:]}"
        return await ensure_database(self.admin_dsn, name, template=template)

    async def drop(self, dsn: str) -> None:
        from kite_common.dsn import database_name

        await drop_database(self.admin_dsn, database_name(dsn))

    async def drop_templates(self) -> None:
        for name in self._templates.values():
            await drop_database(self.admin_dsn, name)
        self._templates.clear()

    def kafka(self, prefix: str) -> KafkaSettings:
        return KafkaSettings(bootstrap_servers=self.bootstrap, topic_prefix=prefix)

    def dsn(self, database: str) -> str:
        return with_database(self.admin_dsn, database)


def token(roles: Iterable[str] = ("admin",), jurisdiction: str = "", subject: str = "tester") -> str:
    return issue_dev_token(
        TEST_SECRETS["KITE_AUTH_JWT_SECRET"], subject=subject, roles=list(roles), jurisdiction=jurisdiction
    )


def auth(roles: Iterable[str] = ("admin",), jurisdiction: str = "", subject: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(roles, jurisdiction, subject)}"}


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


@dataclass
class RunningService:
    """A service under test: its API on a real port, its relay and consumers as tasks."""

    service: ServiceDefinition
    dsn: str
    kafka: KafkaSettings
    base_url: str = ""
    pool: asyncpg.Pool | None = None
    relay: OutboxRelay | None = None
    consumers: list[ConsumerRunner] = field(default_factory=list)
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _server: _Server | None = None
    _app: FastAPI | None = None

    @property
    def runtime(self) -> ServiceRuntime:
        """The service's runtime on the test's pool: units of work for set-up, or `runtime.joining(conn)`
        to call a consumer's handler directly."""
        assert self.pool is not None, "start the service first"
        return ServiceRuntime(self.service, self.pool, self.kafka)

    def client(self, **kwargs: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=30, **kwargs)  # type: ignore[arg-type]

    async def start(self, roles: Iterable[str] = ("api", "relay", "consume")) -> RunningService:
        roles = set(roles)
        self.pool = await create_pool(DatabaseSettings(database_pool_max=5), dsn=self.dsn)
        if "api" in roles:
            port = free_port()
            app = create_app(
                self.service,
                database=DatabaseSettings(database_url=self.dsn, database_pool_max=5),
                kafka=self.kafka,
                http=HttpSettings(port=port),
            )
            self._app = app
            self._server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
            self._tasks.append(asyncio.create_task(self._server.serve()))
            self.base_url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                if self._server.started:
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("test server did not start")
        if "relay" in roles:
            self.relay = OutboxRelay(self.dsn, self.kafka, RelaySettings(poll_interval_s=0.2, lock_retry_s=0.2))
            self._tasks.append(asyncio.create_task(self.relay.run(self.stop_event)))
        if "consume" in roles:
            runtime = self.runtime
            for spec in self.service.consumers:
                runner = ConsumerRunner(runtime, spec)
                self.consumers.append(runner)
                self._tasks.append(asyncio.create_task(runner.run(self.stop_event)))
            for worker in self.service.workers:
                self._tasks.append(asyncio.ensure_future(worker(runtime, self.stop_event)))
        return self

    async def stop(self) -> None:
        self.stop_event.set()
        if self._server is not None:
            # Drain as a deployed process does (kite_common.process): a streaming answer still open —
            # the console's server-sent events to a page a test left open — ends within its next
            # check, rather than holding uvicorn's shutdown (which waits for every connection) until
            # the client goes away.
            assert self._app is not None
            self._app.state.draining = True
            self._server.should_exit = True
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.pool is not None:
            await self.pool.close()
        for r in results:
            if isinstance(r, Exception):
                raise r


@contextlib.asynccontextmanager
async def running(
    infra: Infra,
    service: ServiceDefinition,
    prefix: str,
    roles: Iterable[str] = ("api", "relay", "consume"),
    dsn: str | None = None,
) -> AsyncIterator[RunningService]:
    own_db = dsn is None
    dsn = dsn or await infra.fresh_database(service)
    svc = RunningService(service, dsn, infra.kafka(prefix))
    try:
        await svc.start(roles)
        yield svc
    finally:
        await svc.stop()
        if own_db:
            await infra.drop(dsn)


@contextlib.asynccontextmanager
async def serving(app: object, what: str) -> AsyncIterator[str]:
    """Serve an ASGI app (a test's stand-in for a provider or a receiver) on a free local port;
    yields its base URL, `http://127.0.0.1:PORT`."""
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    else:
        raise RuntimeError(f"{what} did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def eventually(check, timeout: float = 20.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll an async check until it returns a truthy value; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


# What differs between any two answers by design, whatever the record: the path and the request's id.
_PER_REQUEST = frozenset({"instance", "request_id"})


def answer(response: httpx.Response) -> tuple[int, str | None, object]:
    """What a client can tell of an answer: status, media type and the body less `instance` and
    `request_id`. Two answers that give the same here cannot be told apart (an existing record outside
    the caller's jurisdiction must answer like an id nobody has)."""
    body = response.json()
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in _PER_REQUEST}
    return response.status_code, response.headers.get("content-type"), body
