"""The import pipeline: rows read and checked in batches, each batch written in one transaction.

The reading side (reading.py: parse, check, seal, prepare; CPU only) runs ahead of the writing side in
a thread, or for a large file in a process of its own (read_ahead.py), and hands over finished batches.
The writer dedupes a batch against the database, stores the personal numbers (COPY), appends the
members' events with their projections and outbox (bulk append), and records the batch's problems and
the checkpoint, all in one transaction. Only a few batches are ever in memory. New members are counted
into the registration ledger's pending list (migration 0007), folded into its counters at the end.

The checkpoint is the number of data rows consumed: a job resumed after a crash skips that many
rows of the same file and goes on, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import asyncpg
from kite_common.bulk import append_prepared
from kite_common.db.types import Connection

from kite_roster.importing.pii import registered_id_hashes, store_many
from kite_roster.importing.read_ahead import ReadAhead
from kite_roster.importing.reading import Batch, ImportFile, roster_target
from kite_roster.importing.rows import RowProblem
from kite_roster.importing.settings import ImportSettings
from kite_roster.members.adapters.member_projection import bulk_loading
from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.members.adapters.registration_ledger import fold_pending

log = logging.getLogger(__name__)

_RETRIES = 3


@dataclass(frozen=True)
class Counts:
    total: int = 0  # non-empty data rows handled
    created: int = 0
    skipped: int = 0  # already registered (in the database or earlier in the same file)
    failed: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.total + other.total,
            self.created + other.created,
            self.skipped + other.skipped,
            self.failed + other.failed,
        )


@dataclass(frozen=True)
class Progress:
    """Where an import stands after a committed batch."""

    rows_read: int  # data rows consumed (blank ones included): the checkpoint
    counts: Counts
    fraction: float  # of the file read, 0..1


@dataclass(frozen=True)
class BatchOutcome:
    progress: Progress
    problems: list[RowProblem]  # of this batch: refused and skipped rows, in row order


# Called inside the batch's transaction (store problems and the checkpoint), and after its commit.
InTransaction = Callable[[Connection, BatchOutcome], Awaitable[None]]
AfterCommit = Callable[[BatchOutcome], Awaitable[None] | None]


class ImportStopped(Exception):
    """The import was asked to stop; everything up to the last checkpoint is kept."""


async def run_import(
    conn: Connection,
    file: ImportFile,
    vault: PiiVault,
    *,
    batch_rows: int = 10_000,
    resume: Progress | None = None,
    in_transaction: InTransaction | None = None,
    after_commit: AfterCommit | None = None,
    stop: asyncio.Event | None = None,
    reader_processes: int | None = None,
) -> Progress:
    """Import every data row of `file` after the checkpoint `resume`; returns the final progress.
    The rows are read in `reader_processes` processes of their own, or in a thread when 0 (by default,
    ImportSettings.reader_processes for a file of ImportSettings.reader_process_min_bytes or more).
    Raises MalformedFile when the file turns out to be unreadable part way (batches before stay),
    ImportStopped when `stop` is set (after a batch)."""
    progress = resume or Progress(0, Counts(), 0.0)
    if reader_processes is None:
        settings = ImportSettings()
        large = file.path.stat().st_size >= settings.reader_process_min_bytes
        reader_processes = settings.reader_processes if large else 0
    dedupe = _Dedupe()
    with _no_cycle_collection():
        async with (
            bulk_loading(conn),
            ReadAhead(file, vault, batch_rows, progress.rows_read, processes=reader_processes) as batches,
        ):
            async for batch in batches:
                outcome = await _write(conn, batch, progress.counts, in_transaction, dedupe)
                progress = outcome.progress
                if after_commit is not None:
                    result = after_commit(outcome)
                    if result is not None:
                        await result
                if stop is not None and stop.is_set():
                    raise ImportStopped
        await fold_pending(conn)  # the ledger's pending members into its counters (this import's, and any left)
    return progress


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection while rows stream through: the batches in flight are a million
    acyclic objects (freed by reference counting alone) that every collection would walk again, a
    tenth of the import's CPU. Collection resumes as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Dedupe:
    """Whether batches look their people up before writing. At first they do not: the unique index
    on the ID hash refuses anyone already registered, and the batch is then written again, looking
    up first, as is every batch after it (a file imported again, or a person twice in one file)."""

    look_up: bool = False


async def _write(
    conn: Connection,
    batch: Batch,
    before: Counts,
    in_transaction: InTransaction | None,
    dedupe: _Dedupe,
) -> BatchOutcome:
    races = 0
    while True:
        try:
            async with conn.transaction():
                return await _write_once(conn, batch, before, in_transaction, dedupe.look_up)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != "member_pii_id_number":
                raise
            if not dedupe.look_up:
                dedupe.look_up = True  # nothing of the batch was kept: write it again, looking up first
                continue
            # Another import registered one of these people since we looked: look again.
            races += 1
            if races == _RETRIES:
                raise
            log.info("import batch raced another registration; retrying (%d)", races)


async def _write_once(
    conn: Connection,
    batch: Batch,
    before: Counts,
    in_transaction: InTransaction | None,
    look_up: bool,
) -> BatchOutcome:
    hashes = batch.id_hashes
    registered = await registered_id_hashes(conn, hashes) if look_up else set()
    first_row: dict[bytes, int] = {}
    keep: list[int] = []
    problems = list(batch.problems)
    skipped = 0
    for i, h in enumerate(hashes):
        if h in registered:
            # Also a repeat of a row in an earlier batch of this file: that row is in the roster by now.
            problems.append(_skip(batch, i, "已登记：该身份证号已在名册中（或与本文件前面的行重复），未重复导入"))
            skipped += 1
        elif h in first_row:
            problems.append(_skip(batch, i, f"与第 {first_row[h]} 行身份证号重复，未重复导入"))
            skipped += 1
        else:
            first_row[h] = batch.rows[i]
            keep.append(i)
    pii, streams = batch.pii, batch.streams
    if len(keep) < len(hashes):
        pii, streams = pii.select(keep), streams.select(keep)
    await store_many(conn, pii)
    await append_prepared(conn, roster_target()[1], streams)
    failed_rows = len({p.row for p in batch.problems})
    counts = before + Counts(batch.size, len(keep), skipped, failed_rows)
    problems.sort(key=lambda p: p.row)
    outcome = BatchOutcome(Progress(batch.rows_read, counts, batch.fraction), problems)
    if in_transaction is not None:
        await in_transaction(conn, outcome)
    return outcome


def _skip(batch: Batch, i: int, message: str) -> RowProblem:
    return RowProblem(batch.rows[i], "身份证号", message, outcome="skipped", name=batch.names[i])
