"""Runs a service's roles in one process (api, relay, consume), with a graceful drain on SIGTERM.

On SIGTERM/SIGINT: /readyz starts failing at once, the API keeps serving for the drain period so the
load balancer can take the pod out, then everything stops after finishing the batch in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Generator, Iterable
from functools import partial
from pathlib import Path

import uvicorn

from kite_common.db.pool import create_pool
from kite_common.http.app import create_app
from kite_common.messaging.consumer import ConsumerRunner
from kite_common.observability import configure_logging, configure_tracing
from kite_common.outbox.relay import OutboxRelay
from kite_common.runtime import ServiceRuntime
from kite_common.service import ServiceDefinition
from kite_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, TelemetrySettings

log = logging.getLogger(__name__)
ROLES = ("api", "relay", "consume")


def freeze_startup_heap() -> None:
    """Leave what startup made (modules, routes, schemas: some 140,000 objects in roster) out of the
    garbage collector's full collections, which otherwise walk all of it every time: a pause of
    40-140 ms on this code's 2-core machines, in the middle of requests (a p99 of its own). Whatever
    startup left as garbage is collected first; objects made later are collected as before."""
    gc.collect()
    gc.freeze()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # Signals are handled by run_service, which drains before asking uvicorn to exit.
        yield


async def run_service(service: ServiceDefinition, roles: Iterable[str] = ROLES) -> None:
    roles = set(roles)
    telemetry = TelemetrySettings()
    configure_logging(service.name, telemetry.log_level)
    configure_tracing(service.name, telemetry)
    database, kafka, http = DatabaseSettings(), KafkaSettings(), HttpSettings()
    stop = asyncio.Event()
    draining = asyncio.Event()
    server: _Server | None = None
    tasks: list[asyncio.Task[None]] = []

    if "api" in roles:
        app = create_app(service, database=database, kafka=kafka, http=http)
        server = _Server(
            uvicorn.Config(
                app, host=http.host, port=http.port, log_config=None, timeout_graceful_shutdown=30, proxy_headers=True
            )
        )
        tasks.append(asyncio.create_task(server.serve(), name="api"))
    if "relay" in roles:
        relay = OutboxRelay(database.database_url, kafka)
        tasks.append(asyncio.create_task(relay.run(stop), name="relay"))
    pool = None
    if "consume" in roles and (service.consumers or service.workers):
        pool = await create_pool(database)
        runtime = ServiceRuntime(service, pool, kafka)
        for spec in service.consumers:
            runner = ConsumerRunner(runtime, spec)
            tasks.append(asyncio.create_task(_forever(runner.run, stop, runner.name), name=runner.name))
        for i, worker in enumerate(service.workers):
            tasks.append(asyncio.create_task(_forever(partial(worker, runtime), stop, f"worker-{i}")))

    if roles & {"relay", "consume"}:
        tasks.append(asyncio.create_task(_heartbeat(stop), name="heartbeat"))

    async def drain() -> None:
        if draining.is_set():
            return
        draining.set()
        log.info("draining for %.1f s before stopping", http.drain_seconds if server else 0)
        if server is not None:
            server.config.app.state.draining = True  # type: ignore[union-attr]
            await asyncio.sleep(http.drain_seconds)
            server.should_exit = True
        stop.set()

    freeze_startup_heap()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(drain()))
    log.info("%s running: %s", service.name, ", ".join(sorted(roles)))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        stop.set()
        if server is not None:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        if pool is not None:
            await pool.close()


async def _heartbeat(stop: asyncio.Event) -> None:
    """Touches a file while the event loop is alive: the liveness probe of roles without HTTP."""
    path = Path(os.environ.get("KITE_HEARTBEAT_FILE", "/tmp/kite-heartbeat"))  # noqa: S108 - an emptyDir in k8s
    while not stop.is_set():
        with contextlib.suppress(OSError):
            await asyncio.to_thread(path.touch)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5)


async def _forever(run: object, stop: asyncio.Event, name: str) -> None:
    """Restart a consumer that fails (e.g. the broker went away), with a pause, until stopped."""
    assert callable(run)
    while not stop.is_set():
        try:
            await run(stop)
        except Exception:
            log.exception("%s stopped with an error; restarting in 2 s", name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2)
