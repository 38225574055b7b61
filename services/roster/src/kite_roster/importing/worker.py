"""The import worker (a BackgroundWorker of the roster's consume role): takes up queued jobs, runs them
through the pipeline and checkpoints every batch. Any replica's worker can run any job; a job whose
worker died is taken up again where its last batch ended."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import tempfile
from pathlib import Path

from kite_common.db.types import Connection
from kite_common.privacy import FieldProtector
from kite_common.runtime import ServiceRuntime
from kite_common.tracing_context import attached

from kite_roster.importing import jobs
from kite_roster.importing.pipeline import BatchOutcome, ImportStopped, run_import
from kite_roster.importing.readers import MalformedFile, open_table
from kite_roster.importing.reading import ImportFile
from kite_roster.importing.rows import RowProblem
from kite_roster.importing.settings import ImportSettings
from kite_roster.members.adapters.pii_vault import PiiVault

log = logging.getLogger(__name__)


def missing_columns_problem(missing: list[str], header_row: int) -> tuple[str, list[RowProblem]]:
    message = f"缺少必填列：{'、'.join(missing)}（未导入任何数据）"
    return message, [
        RowProblem(header_row, title, f"缺少必填列“{title}”", name="")  # one line per missing column
        for title in missing
    ]


async def process_job(
    conn: Connection,
    job: jobs.Job,
    vault: PiiVault,
    settings: ImportSettings,
    stop: asyncio.Event | None = None,
) -> None:
    """Run (or resume) one claimed job to its end: done, or failed with the reason."""
    with tempfile.TemporaryDirectory(prefix="kite-import-") as tmp:
        path = Path(tmp) / "upload"
        await jobs.download(conn, vault.protector, job.job_id, path)
        with attached(job.traceparent):
            try:
                table = await asyncio.to_thread(open_table, path)
            except MalformedFile as exc:
                await jobs.finish(conn, job.job_id, error_code=exc.code, error=exc.message)
                return
            try:
                if job.file_kind is None:
                    await jobs.describe_file(conn, job.job_id, table.kind, table.encoding)
                missing = [c.title for c in table.header.missing()]
                if missing:
                    message, problems = missing_columns_problem(missing, table.header_row)
                    async with conn.transaction():
                        await jobs.save_problems(conn, job.job_id, problems)
                    await jobs.finish(conn, job.job_id, error_code="missing-columns", error=message)
                    return
                table.close()  # the reader opens it again, in its own thread or process

                async def save(c: Connection, outcome: BatchOutcome) -> None:
                    await jobs.save_batch(c, job.job_id, outcome)

                try:
                    await run_import(
                        conn,
                        ImportFile(path, job.jurisdiction, job.subject, job.topic, job.traceparent),
                        vault,
                        batch_rows=settings.batch_rows,
                        resume=job.checkpoint,
                        in_transaction=save,
                        stop=stop,
                    )
                except MalformedFile as exc:
                    await jobs.finish(conn, job.job_id, error_code=exc.code, error=exc.message)
                    return
                await jobs.finish(conn, job.job_id)
            finally:
                table.close()


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def import_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Runs until `stop` is set: take up a job, run it, look again; idle, poll now and then."""
    settings = ImportSettings()
    vault = PiiVault(FieldProtector.from_settings())
    name = _worker_name()
    while not stop.is_set():
        ran = False
        try:
            async with runtime.pool.acquire() as conn:
                job = await jobs.claim(conn, name)
                if job is not None:
                    ran = True
                    try:
                        await _run_claimed(conn, job, vault, settings, stop)
                    finally:
                        with contextlib.suppress(Exception):
                            await jobs.release(conn, job.job_id)
        except Exception:
            # The database went away mid-job, or a bug: the job keeps its checkpoint and is taken up
            # again (by this worker or another) once its lock is free.
            log.exception("import worker: job interrupted; looking again shortly")
            ran = False
        if not ran:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.poll_interval_s)


async def _run_claimed(
    conn: Connection, job: jobs.Job, vault: PiiVault, settings: ImportSettings, stop: asyncio.Event
) -> None:
    if job.attempts > settings.max_attempts:
        await jobs.finish(
            conn,
            job.job_id,
            error_code="too-many-attempts",
            error="导入多次中断，已停止；已导入的数据保留，请检查后重新上传",
        )
        return
    log.info("import %s: %s (attempt %d, from row %d)", job.job_id, job.file_name, job.attempts, job.rows_read)
    try:
        await process_job(conn, job, vault, settings, stop)
    except ImportStopped:
        log.info("import %s paused; it resumes at its last checkpoint on the next start", job.job_id)
