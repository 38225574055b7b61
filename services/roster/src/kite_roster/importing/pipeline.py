"""The import pipeline: rows read and checked in batches, each batch written in one transaction.

Two coroutines share the work so that Python and PostgreSQL are busy at the same time: the reader
parses, checks and seals rows (CPU) and hands finished batches over a short queue; the writer
dedupes a batch against the database, stores the personal numbers (COPY), appends the members'
events with their projections and outbox (bulk append), and records the batch's problems and the
checkpoint, all in one transaction. Only a few batches are ever in memory.

The checkpoint is the number of data rows consumed: a job resumed after a crash skips that many
rows of the same file and goes on, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field

import asyncpg
from kite_common.bulk import PreparedStream, StreamPreparer, append_prepared
from kite_common.db.types import Connection
from kite_common.events import EventRegistry
from kite_common.projection import Projection

from kite_roster.adapters.member_projection import bulk_loading
from kite_roster.adapters.pii_vault import PiiVault
from kite_roster.domain.member import stream_id
from kite_roster.importing.pii import SealedRow, registered_id_hashes, seal, store_many
from kite_roster.importing.readers import Table
from kite_roster.importing.rows import CheckedRow, RowChecker, RowProblem

log = logging.getLogger(__name__)

# Rows between giving the writer a turn: PostgreSQL waits for its next statement meanwhile.
_YIELD_EVERY = 25
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


class _Ready:
    __slots__ = ("prepared", "row", "sealed")

    def __init__(self, row: CheckedRow, sealed: SealedRow, prepared: PreparedStream) -> None:
        self.row = row
        self.sealed = sealed
        self.prepared = prepared


@dataclass
class _Batch:
    rows_read: int
    fraction: float
    ready: list[_Ready] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)  # rows refused while checking
    size: int = 0


@dataclass(frozen=True)
class BatchOutcome:
    progress: Progress
    problems: list[RowProblem]  # of this batch: refused and skipped rows, in row order


# Called inside the batch's transaction (store problems and the checkpoint), and after its commit.
InTransaction = Callable[[Connection, BatchOutcome], Awaitable[None]]
AfterCommit = Callable[[BatchOutcome], Awaitable[None] | None]


@dataclass(frozen=True)
class Target:
    """Where imported members go: the service's registry, inline projections and outbox topic."""

    registry: EventRegistry
    projections: Sequence[Projection]
    topic: str


class ImportStopped(Exception):
    """The import was asked to stop; everything up to the last checkpoint is kept."""


async def run_import(
    conn: Connection,
    table: Table,
    checker: RowChecker,
    vault: PiiVault,
    target: Target,
    *,
    batch_rows: int = 2000,
    resume: Progress | None = None,
    in_transaction: InTransaction | None = None,
    after_commit: AfterCommit | None = None,
    stop: asyncio.Event | None = None,
) -> Progress:
    """Import every data row of `table` after the checkpoint `resume`; returns the final progress.
    Raises MalformedFile when the file turns out to be unreadable part way (batches before stay)."""
    start = resume or Progress(0, Counts(), 0.0)
    queue: asyncio.Queue[_Batch] = asyncio.Queue(maxsize=1)
    preparer = StreamPreparer(target.registry, target.topic)
    dedupe = _Dedupe()
    reader = asyncio.create_task(_read(table, checker, vault, preparer, batch_rows, start.rows_read, queue, stop))
    progress = start
    try:
        with _no_cycle_collection():
            async with bulk_loading(conn):
                progress = await _write_all(conn, queue, reader, progress, target, in_transaction, after_commit, dedupe)
        reader.result()  # re-raises a reading error (MalformedFile) or ImportStopped
    finally:
        if not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
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


async def _write_all(
    conn: Connection,
    queue: asyncio.Queue[_Batch],
    reader: asyncio.Task[None],
    progress: Progress,
    target: Target,
    in_transaction: InTransaction | None,
    after_commit: AfterCommit | None,
    dedupe: _Dedupe,
) -> Progress:
    """Write the reader's batches as they come, until it is done (or fails)."""
    while not (reader.done() and queue.empty()):
        getter = asyncio.ensure_future(queue.get())
        await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
        if not getter.done():
            getter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await getter
        if getter.cancelled():
            continue
        outcome = await _write(conn, getter.result(), progress.counts, target, in_transaction, dedupe)
        progress = outcome.progress
        if after_commit is not None:
            result = after_commit(outcome)
            if result is not None:
                await result
    return progress


async def _read(
    table: Table,
    checker: RowChecker,
    vault: PiiVault,
    preparer: StreamPreparer,
    batch_rows: int,
    skip: int,
    queue: asyncio.Queue[_Batch],
    stop: asyncio.Event | None,
) -> None:
    consumed = 0
    batch = _Batch(0, 0.0)
    is_blank, check, prepare = checker.is_blank, checker.check, preparer.prepare
    for raw in table.rows():
        consumed += 1
        if consumed <= skip:
            if consumed % (_YIELD_EVERY * 10) == 0:
                await asyncio.sleep(0)
            continue
        if not is_blank(raw):
            checked = check(raw)
            if type(checked) is CheckedRow:
                sealed = seal(vault, checked.member_id, checked.id_number, checked.phone)
                batch.ready.append(_Ready(checked, sealed, prepare(stream_id(checked.member_id), checked.events)))
            else:
                batch.problems.extend(checked)  # type: ignore[arg-type]
            batch.size += 1
        if batch.size >= batch_rows:
            batch.rows_read, batch.fraction = consumed, table.progress()
            await queue.put(batch)
            batch = _Batch(0, 0.0)
            if stop is not None and stop.is_set():
                raise ImportStopped
        elif consumed % _YIELD_EVERY == 0:
            await asyncio.sleep(0)
    if consumed > skip:
        batch.rows_read, batch.fraction = consumed, 1.0
        await queue.put(batch)


@dataclass
class _Dedupe:
    """Whether batches look their people up before writing. At first they do not: the unique index
    on the ID hash refuses anyone already registered, and the batch is then written again, looking
    up first, as is every batch after it (a file imported again, or a person twice in one file)."""

    look_up: bool = False


async def _write(
    conn: Connection,
    batch: _Batch,
    before: Counts,
    target: Target,
    in_transaction: InTransaction | None,
    dedupe: _Dedupe,
) -> BatchOutcome:
    races = 0
    while True:
        try:
            async with conn.transaction():
                return await _write_once(conn, batch, before, target, in_transaction, dedupe.look_up)
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
    batch: _Batch,
    before: Counts,
    target: Target,
    in_transaction: InTransaction | None,
    look_up: bool,
) -> BatchOutcome:
    registered = await registered_id_hashes(conn, [r.sealed.id_number_hash for r in batch.ready]) if look_up else set()
    first_row: dict[bytes, int] = {}
    new: list[_Ready] = []
    problems = list(batch.problems)
    skipped = 0
    for item in batch.ready:
        h = item.sealed.id_number_hash
        if h in registered:
            # Also a repeat of a row in an earlier batch of this file: that row is in the roster by now.
            problems.append(_skip(item.row, "已登记：该身份证号已在名册中（或与本文件前面的行重复），未重复导入"))
            skipped += 1
        elif h in first_row:
            problems.append(_skip(item.row, f"与第 {first_row[h]} 行身份证号重复，未重复导入"))
            skipped += 1
        else:
            first_row[h] = item.row.row
            new.append(item)
    await store_many(conn, [r.sealed for r in new])
    await append_prepared(conn, target.projections, [r.prepared for r in new])
    failed_rows = len({p.row for p in batch.problems})
    counts = before + Counts(batch.size, len(new), skipped, failed_rows)
    problems.sort(key=lambda p: p.row)
    outcome = BatchOutcome(Progress(batch.rows_read, counts, batch.fraction), problems)
    if in_transaction is not None:
        await in_transaction(conn, outcome)
    return outcome


def _skip(row: CheckedRow, message: str) -> RowProblem:
    return RowProblem(row.row, "身份证号", message, outcome="skipped", name=row.name)
