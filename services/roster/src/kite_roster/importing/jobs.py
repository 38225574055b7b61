"""Import jobs in PostgreSQL: the upload (encrypted chunks), claiming, checkpoints, the report."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from kite_common.db.types import Connection
from kite_common.ids import new_id
from kite_common.privacy import FieldProtector

from kite_roster.importing.pipeline import BatchOutcome, Counts, Progress
from kite_roster.importing.rows import RowProblem

CHUNK_CONTEXT = "roster.import-upload"
# Session advisory locks (namespace, job) mark the jobs a live worker holds; a worker that dies loses
# its connection and with it the lock, and its job is taken up again.
_LOCK_NAMESPACE = 0x696D7074  # "impt"

_JOB_COLUMNS = """job_id, status, file_name, file_size, file_sha256, jurisdiction, subject, subject_name, topic,
    traceparent, rows_read, total, created, skipped, failed, progress, file_kind, encoding, error_code, error,
    attempts, worker, created_at, started_at, updated_at, finished_at"""


@dataclass(frozen=True)
class Job:
    job_id: uuid.UUID
    status: str
    file_name: str
    file_size: int
    file_sha256: str
    jurisdiction: str
    subject: str
    subject_name: str
    topic: str
    traceparent: str | None
    rows_read: int
    total: int
    created: int
    skipped: int
    failed: int
    progress: float
    file_kind: str | None
    encoding: str | None
    error_code: str | None
    error: str | None
    attempts: int
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record | None) -> Job:
        assert row is not None
        return cls(**dict(row))

    @property
    def checkpoint(self) -> Progress:
        return Progress(self.rows_read, Counts(self.total, self.created, self.skipped, self.failed), self.progress)


@dataclass(frozen=True)
class NewUpload:
    file_name: str
    jurisdiction: str
    subject: str
    subject_name: str
    topic: str
    traceparent: str | None


def _seal(protector: FieldProtector, chunk: bytes) -> str:
    return protector.encrypt(base64.b64encode(chunk).decode(), CHUNK_CONTEXT)


def _open(protector: FieldProtector, sealed: str) -> bytes:
    return base64.b64decode(protector.decrypt(sealed, CHUNK_CONTEXT))


async def create_job(
    conn: Connection,
    protector: FieldProtector,
    upload: NewUpload,
    chunks: AsyncIterator[bytes],
    *,
    chunk_bytes: int,
) -> Job:
    """Store an upload and queue its job, in the caller's transaction: the job exists (and a worker can
    see it) only once every byte is stored, so an acknowledged upload is a stored one. Whoever passes
    `chunks` limits their size (an error raised from them undoes the whole upload)."""
    job_id = new_id()
    await conn.execute(
        """INSERT INTO import_jobs (job_id, file_name, file_size, file_sha256, jurisdiction, subject, subject_name,
                                    topic, traceparent)
           VALUES ($1, $2, 0, '', $3, $4, $5, $6, $7)""",
        job_id,
        upload.file_name,
        upload.jurisdiction,
        upload.subject,
        upload.subject_name,
        upload.topic,
        upload.traceparent,
    )
    digest = hashlib.sha256()
    size = 0
    seq = 0
    pending = bytearray()
    async for data in chunks:
        size += len(data)
        digest.update(data)
        pending += data
        while len(pending) >= chunk_bytes:
            await _store_chunk(conn, protector, job_id, seq, bytes(pending[:chunk_bytes]))
            del pending[:chunk_bytes]
            seq += 1
    if pending:
        await _store_chunk(conn, protector, job_id, seq, bytes(pending))
    row = await conn.fetchrow(
        f"UPDATE import_jobs SET file_size = $2, file_sha256 = $3 WHERE job_id = $1 RETURNING {_JOB_COLUMNS}",
        job_id,
        size,
        digest.hexdigest(),
    )
    return Job.of(row)


async def _store_chunk(conn: Connection, protector: FieldProtector, job_id: uuid.UUID, seq: int, data: bytes) -> None:
    await conn.execute(
        "INSERT INTO import_job_chunks (job_id, seq, data) VALUES ($1, $2, $3)", job_id, seq, _seal(protector, data)
    )


async def download(conn: Connection, protector: FieldProtector, job_id: uuid.UUID, path: Path) -> int:
    """Write a job's file to `path`, chunk by chunk; returns its size."""
    size = 0
    with path.open("wb") as out:
        seq = 0
        while True:
            sealed = await conn.fetchval(
                "SELECT data FROM import_job_chunks WHERE job_id = $1 AND seq = $2", job_id, seq
            )
            if sealed is None:
                break
            data = _open(protector, sealed)
            out.write(data)
            size += len(data)
            seq += 1
    return size


async def get_job(conn: Connection, job_id: uuid.UUID) -> Job | None:
    row = await conn.fetchrow(f"SELECT {_JOB_COLUMNS} FROM import_jobs WHERE job_id = $1", job_id)
    return Job.of(row) if row else None


async def list_jobs(conn: Connection, jurisdiction_like: str, limit: int, before: uuid.UUID | None) -> list[Job]:
    rows = await conn.fetch(
        f"""SELECT {_JOB_COLUMNS} FROM import_jobs
            WHERE jurisdiction LIKE $1 AND ($2::uuid IS NULL OR job_id < $2)
            ORDER BY job_id DESC LIMIT $3""",
        jurisdiction_like,
        before,
        limit,
    )
    return [Job.of(r) for r in rows]


async def claim(conn: Connection, worker: str) -> Job | None:
    """Take up the oldest job no live worker holds (queued, or running under a worker that died). The
    session advisory lock taken here stays with `conn` until `release` (or the connection's end)."""
    async with conn.transaction():
        candidates = await conn.fetch(
            """SELECT job_id FROM import_jobs WHERE status IN ('queued', 'running')
               ORDER BY created_at, job_id LIMIT 20 FOR UPDATE SKIP LOCKED"""
        )
        for candidate in candidates:
            job_id = candidate["job_id"]
            if await conn.fetchval("SELECT pg_try_advisory_lock($1, hashtext($2))", _LOCK_NAMESPACE, str(job_id)):
                row = await conn.fetchrow(
                    f"""UPDATE import_jobs SET status = 'running', attempts = attempts + 1, worker = $2,
                                              started_at = coalesce(started_at, now()), updated_at = now()
                        WHERE job_id = $1 RETURNING {_JOB_COLUMNS}""",
                    job_id,
                    worker,
                )
                return Job.of(row)
    return None


async def release(conn: Connection, job_id: uuid.UUID) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", _LOCK_NAMESPACE, str(job_id))


async def describe_file(conn: Connection, job_id: uuid.UUID, kind: str, encoding: str | None) -> None:
    await conn.execute(
        "UPDATE import_jobs SET file_kind = $2, encoding = $3, updated_at = now() WHERE job_id = $1",
        job_id,
        kind,
        encoding,
    )


def problem_records(job_id: uuid.UUID, problems: Sequence[RowProblem]) -> list[tuple[Any, ...]]:
    records: list[tuple[Any, ...]] = []
    last_row, seq = -1, 0
    for p in problems:
        seq = seq + 1 if p.row == last_row else 0
        last_row = p.row
        records.append((job_id, p.row, seq, p.outcome, p.column, p.message, p.name))
    return records


_PROBLEM_COLUMNS = ("job_id", "row_number", "seq", "outcome", "column_name", "message", "name")


async def save_batch(conn: Connection, job_id: uuid.UUID, outcome: BatchOutcome) -> None:
    """The batch's report lines and the checkpoint, in the batch's own transaction."""
    records = problem_records(job_id, outcome.problems)
    if records:
        await conn.copy_records_to_table("import_problems", records=records, columns=_PROBLEM_COLUMNS)
    p, c = outcome.progress, outcome.progress.counts
    await conn.execute(
        """UPDATE import_jobs SET rows_read = $2, total = $3, created = $4, skipped = $5, failed = $6,
                                  progress = $7, updated_at = now()
           WHERE job_id = $1""",
        job_id,
        p.rows_read,
        c.total,
        c.created,
        c.skipped,
        c.failed,
        min(max(p.fraction, 0.0), 1.0),
    )


async def save_problems(conn: Connection, job_id: uuid.UUID, problems: Sequence[RowProblem]) -> None:
    records = problem_records(job_id, problems)
    if records:
        await conn.copy_records_to_table("import_problems", records=records, columns=_PROBLEM_COLUMNS)


async def finish(
    conn: Connection, job_id: uuid.UUID, *, error_code: str | None = None, error: str | None = None
) -> None:
    """Done (or failed, with the reason); the uploaded bytes are deleted either way."""
    async with conn.transaction():
        await conn.execute(
            """UPDATE import_jobs SET status = $2, error_code = $3, error = $4, progress = CASE WHEN $2 = 'done'
                   THEN 1 ELSE progress END, finished_at = now(), updated_at = now()
               WHERE job_id = $1""",
            job_id,
            "failed" if error_code else "done",
            error_code,
            error,
        )
        await conn.execute("DELETE FROM import_job_chunks WHERE job_id = $1", job_id)


async def problems_page(
    conn: Connection, job_id: uuid.UUID, outcome: str | None, after: tuple[int, int] | None, limit: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT row_number, seq, outcome, column_name, message, name FROM import_problems
               WHERE job_id = $1 AND ($2::text IS NULL OR outcome = $2)
                 AND (row_number, seq) > ($3, $4)
               ORDER BY row_number, seq LIMIT $5""",
            job_id,
            outcome,
            after[0] if after else -1,
            after[1] if after else -1,
            limit,
        )
    )


async def iterate_problems(
    conn: Connection, job_id: uuid.UUID, outcome: str | None, batch: int = 2000
) -> AsyncIterator[dict[str, Any]]:
    after: tuple[int, int] | None = None
    while True:
        page = await problems_page(conn, job_id, outcome, after, batch)
        for r in page:
            yield dict(r)
        if len(page) < batch:
            return
        after = (page[-1]["row_number"], page[-1]["seq"])
