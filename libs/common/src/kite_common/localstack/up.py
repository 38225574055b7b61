"""`kite up`: the whole system on one machine, supervised.

Each service runs as its own process; one that exits is restarted with a growing pause and the
terminal says so (`supervisor.Child`). The embedded broker listens on a port recorded in
`.kite/broker.json`, so a restarted broker is found where the services expect it; it keeps topics in
memory, so when it is restarted — or when `kite up` finds a broker without the topics it recorded —
every service's relay is asked to republish from its event store (the consumers' inbox skips what
they had already handled).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

from kite_common.auth.tokens import issue_dev_token
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect
from kite_common.discovery import installed_services
from kite_common.localstack.broker_state import (
    BrokerRecord,
    fresh_broker_services,
    request_republish_all,
    services_with_events,
    stable_port,
)
from kite_common.localstack.infra import (
    Broker,
    ensure_database,
    start_embedded_postgres,
    start_tansu,
    stop_embedded_postgres,
)
from kite_common.localstack.secrets import local_secrets
from kite_common.localstack.supervisor import Child

console = Console()


def say(text: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}")


async def _prepare_databases(admin_dsn: str, database_prefix: str) -> dict[str, str]:
    dsns = {}
    for name, service in installed_services().items():
        dsn = await ensure_database(admin_dsn, f"{database_prefix}{name}")
        conn = await connect(dsn)
        try:
            applied = await migrate(conn, service.migrations())
        finally:
            await conn.close()
        console.print(f"[green]✓[/] {name}: database {database_prefix}{name}, {len(applied)} migration(s) applied")
        dsns[name] = dsn
    return dsns


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def up(data_dir: Path, port_base: int, database_prefix: str = "kite_") -> None:
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly on SIGTERM as on Ctrl-C
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    secrets = local_secrets(data_dir)
    embedded_pg = not os.environ.get("DATABASE_URL")
    prefix = os.environ.get("KAFKA_TOPIC_PREFIX", "")
    record = BrokerRecord.load(data_dir)
    broker: Broker | None = None
    children: list[Child] = []
    try:
        if embedded_pg:
            console.print(f"starting embedded PostgreSQL in {data_dir / 'postgres'} …")
            admin_dsn = start_embedded_postgres(data_dir / "postgres")
        else:
            admin_dsn = os.environ["DATABASE_URL"]
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            record.port = stable_port(record)
            console.print(f"starting the Tansu broker on port {record.port} (memory storage) …")
            broker = start_tansu(record.port, log_file=data_dir / "tansu.log")
            bootstrap = broker.bootstrap
        dsns = asyncio.run(_prepare_databases(admin_dsn, database_prefix))
        names, reason = asyncio.run(fresh_broker_services(record, bootstrap, dsns, prefix))
        if names:
            say(f"[yellow]the broker is fresh ({reason}): republishing {', '.join(names)} from the event store[/]")
            asyncio.run(request_republish_all(dsns, names, f"kite up: {reason}", prefix))
        record.save(data_dir)
        ports = {name: port_base + i for i, name in enumerate(installed_services())}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        # Every service learns where the others are (KITE_SERVICE_URL_<NAME>), e.g. a service that
        # calls another's API; KITE_LOCAL_DEV tells them this is a developer's machine.
        service_urls = {f"KITE_SERVICE_URL_{name.upper()}": url for name, url in urls.items()}
        if "identity" in urls and not os.environ.get("KITE_AUTH_JWKS_URL"):
            # Client systems' tokens (ES256, from the identity service) are verified by its JWKS,
            # beside the HS256 dev tokens.
            service_urls["KITE_AUTH_JWKS_URL"] = urls["identity"] + "/.well-known/jwks.json"
        (data_dir / "logs").mkdir(exist_ok=True)
        for name, port in ports.items():
            env = {
                **os.environ,
                **secrets,
                **service_urls,
                "KITE_LOCAL_DEV": "true",
                "DATABASE_URL": dsns[name],
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "KITE_HTTP_HOST": "127.0.0.1",
                "KITE_HTTP_PORT": str(port),
                "KITE_HTTP_DRAIN_SECONDS": "0",
                "KITE_HEARTBEAT_FILE": str(data_dir / f"{name}.heartbeat"),
            }
            child = Child(
                name, [sys.executable, "-m", "kite_common.cli", "run", name], env, data_dir / "logs" / f"{name}.log"
            )
            child.start()
            children.append(child)
        _wait_ready(urls, children)
        token = issue_dev_token(secrets["KITE_AUTH_JWT_SECRET"], roles=["admin"], jurisdiction="")
        table = Table(title="Kite 风筝 — 本地运行中 (Ctrl-C 停止)")
        table.add_column("service")
        table.add_column("URL")
        table.add_column("API docs")
        table.add_column("pid")
        for child, (name, url) in zip(children, urls.items(), strict=True):
            table.add_row(name, url, url + "/docs", str(child.pid))
        console.print(table)
        broker_pid = f" (Tansu pid {broker.process.pid})" if broker else ""
        console.print(f"PostgreSQL: {admin_dsn}\nKafka: {bootstrap}{broker_pid}\nlogs: {data_dir / 'logs'}")
        console.print("dev token (admin, whole country, 12 h; `uv run kite dev-token` prints another):")
        print(token, flush=True)  # plain, so it is copied without line breaks
        while True:
            for child in children:
                child.check(say)
            if broker is not None and broker.process.poll() is not None:
                broker = _restart_broker(broker, record, data_dir, dsns, prefix, children)
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("stopping …")
    finally:
        for child in children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in children:
            child.stop()
        if broker is not None:
            broker.stop()
        if embedded_pg:
            stop_embedded_postgres(data_dir / "postgres")
        console.print("stopped")


def _restart_broker(
    broker: Broker, record: BrokerRecord, data_dir: Path, dsns: dict[str, str], prefix: str, children: list[Child]
) -> Broker:
    """The broker died and its topics with it. The services are stopped first: a running consumer
    keeps its read position, and on a refilled topic it would skip what lies before it (and commit
    past it); started again they join the new broker's groups, which have no offsets, and read from
    the start. The republish requests are written before the new broker listens, so each relay sends
    the store's events before anything newer from its outbox."""
    assert record.port is not None
    say(f"[red]the broker stopped (code {broker.process.returncode}); restarting it on port {record.port}[/]")
    say("stopping the services, to start them again on the new broker …")
    for child in children:
        if child.process is not None and child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10  # a process waiting on the dead broker may not drain in time
    for child in children:
        child.stop(timeout=max(0.1, deadline - time.monotonic()))
    names = _request_republish_after_restart(dsns, prefix)
    pause = 1.0
    while True:
        try:
            new = start_tansu(record.port, log_file=data_dir / "tansu.log")
            break
        except RuntimeError as exc:  # e.g. the port not yet released
            say(f"[yellow]the broker did not start ({exc}); trying again in {pause:.0f} s[/]")
            time.sleep(pause)
            pause = min(pause * 2, 30)
    for child in children:
        child.start()
    say(
        f"[green]↻[/] broker restarted (Tansu pid {new.process.pid}); services started again; "
        f"republishing {', '.join(names) or 'nothing'} from the event store"
    )
    return new


def _request_republish_after_restart(dsns: dict[str, str], prefix: str, attempts: int = 10) -> list[str]:
    """Asks every relay to republish; waits out a database that is itself restarting."""
    pause = 1.0
    for attempt in range(1, attempts + 1):
        try:
            names = asyncio.run(services_with_events(dsns))
            if names:
                asyncio.run(request_republish_all(dsns, names, "kite up: broker restarted", prefix))
            return names
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if attempt == attempts:
                say(f"[red]could not ask for a republish ({exc}); run `kite republish <service>` for each[/]")
                return []
            say(f"[yellow]the database is not answering ({exc}); asking again in {pause:.0f} s[/]")
            time.sleep(pause)
            pause = min(pause * 2, 10)
    return []


def _wait_ready(urls: dict[str, str], children: list[Child], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    console.print(f"[green]✓[/] {name} ready")
                    del pending[name]
            except httpx.HTTPError:
                pass
        for child in children:
            child.check(say)
        time.sleep(0.3)
    if pending:
        raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
