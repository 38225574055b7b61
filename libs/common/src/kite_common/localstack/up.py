"""`kite up`: the whole system on one machine."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from kite_common.auth.tokens import issue_dev_token
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect
from kite_common.discovery import installed_services
from kite_common.localstack.infra import (
    Broker,
    ensure_database,
    start_embedded_postgres,
    start_tansu,
    stop_embedded_postgres,
)
from kite_common.localstack.secrets import local_secrets

console = Console()


async def _prepare_databases(admin_dsn: str) -> dict[str, str]:
    dsns = {}
    for name, service in installed_services().items():
        dsn = await ensure_database(admin_dsn, f"kite_{name}")
        conn = await connect(dsn)
        try:
            applied = await migrate(conn, service.migrations())
        finally:
            await conn.close()
        console.print(f"[green]✓[/] {name}: database kite_{name}, {len(applied)} migration(s) applied")
        dsns[name] = dsn
    return dsns


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def up(data_dir: Path, port_base: int) -> None:
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly on SIGTERM as on Ctrl-C
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    secrets = local_secrets(data_dir)
    embedded_pg = not os.environ.get("DATABASE_URL")
    broker: Broker | None = None
    children: list[subprocess.Popen[bytes]] = []
    try:
        if embedded_pg:
            console.print(f"starting embedded PostgreSQL in {data_dir / 'postgres'} …")
            admin_dsn = start_embedded_postgres(data_dir / "postgres")
        else:
            admin_dsn = os.environ["DATABASE_URL"]
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            console.print("starting the Tansu broker (memory storage) …")
            broker = start_tansu(log_file=data_dir / "tansu.log")
            bootstrap = broker.bootstrap
        dsns = asyncio.run(_prepare_databases(admin_dsn))
        ports = {name: port_base + i for i, name in enumerate(installed_services())}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        # Every service learns where the others are (KITE_SERVICE_URL_<NAME>), e.g. a service that
        # calls another's API; KITE_LOCAL_DEV tells them this is a developer's machine.
        service_urls = {f"KITE_SERVICE_URL_{name.upper()}": url for name, url in urls.items()}
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
            }
            log = open(data_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - lives with the child
            children.append(
                subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "kite_common.cli", "run", name],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_ready(urls, children)
        token = issue_dev_token(secrets["KITE_AUTH_JWT_SECRET"], roles=["admin"], jurisdiction="")
        table = Table(title="Kite 风筝 — 本地运行中 (Ctrl-C 停止)")
        table.add_column("service")
        table.add_column("URL")
        table.add_column("API docs")
        for name, url in urls.items():
            table.add_row(name, url, url + "/docs")
        console.print(table)
        console.print(f"PostgreSQL: {admin_dsn}\nKafka: {bootstrap}\nlogs: {data_dir / 'logs'}")
        console.print("dev token (admin, whole country, 12 h; `uv run kite dev-token` prints another):")
        print(token, flush=True)  # plain, so it is copied without line breaks
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        console.print("[red]a service stopped; see its log[/]")
    except KeyboardInterrupt:
        console.print("stopping …")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
        if broker is not None:
            broker.stop()
        if embedded_pg:
            stop_embedded_postgres(data_dir / "postgres")
        console.print("stopped")


def _wait_ready(urls: dict[str, str], children: list[subprocess.Popen[bytes]], timeout: float = 60) -> None:
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
        if any(c.poll() is not None for c in children):
            raise RuntimeError("a service exited while starting; see .kite/logs")
        time.sleep(0.3)
    if pending:
        raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
