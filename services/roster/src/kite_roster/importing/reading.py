"""The reading side of an import: rows of a file parsed, checked, sealed and prepared into batches
ready to write. Only CPU and the file: it runs in a thread or in a process of its own (read_ahead),
and everything it hands over is plain data that pickles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kite_common.bulk import PreparedStream, StreamPreparer
from kite_common.events import EventRegistry
from kite_common.projection import Projection

from kite_roster.adapters.pii_vault import PiiVault
from kite_roster.domain.member import stream_id
from kite_roster.importing.pii import seal
from kite_roster.importing.readers import open_table
from kite_roster.importing.rows import CheckedRow, RowChecker, RowProblem


@dataclass(frozen=True)
class ImportFile:
    """One file to import, and for whom: what a reader needs, in this process or another."""

    path: Path
    jurisdiction: str  # rows whose origin lies outside are reported, not imported
    registered_by: str
    topic: str  # where the members' events are published
    traceparent: str | None = None  # of the upload or command, carried by every event


@dataclass(frozen=True)
class ReadyRow:
    """A row ready to write: its member_pii line (encrypted numbers only) and its prepared stream."""

    row: int
    name: str
    id_number_hash: bytes = field(repr=False)
    pii_line: bytes = field(repr=False)
    stream: PreparedStream = field(repr=False)


@dataclass
class Batch:
    rows_read: int  # data rows consumed so far, blank ones included: the checkpoint after this batch
    fraction: float  # of the file read, 0..1
    ready: list[ReadyRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)  # rows refused while checking
    size: int = 0  # non-empty rows in this batch


def read_batches(
    file: ImportFile,
    vault: PiiVault,
    registry: EventRegistry,
    projections: tuple[Projection, ...],
    batch_rows: int,
    skip: int,
) -> Iterator[Batch]:
    """The file's rows after the first `skip`, in batches of `batch_rows` non-empty rows (the last one
    possibly smaller, or empty). Raises MalformedFile when the file turns out unreadable part way."""
    table = open_table(file.path)
    try:
        checker = RowChecker(table.header, table.header_titles, file.jurisdiction, file.registered_by)
        preparer = StreamPreparer(registry, file.topic, projections, traceparent=file.traceparent)
        is_blank, check, prepare = checker.is_blank, checker.check, preparer.prepare
        consumed = 0
        batch = Batch(0, 0.0)
        for raw in table.rows():
            consumed += 1
            if consumed <= skip:
                continue
            if not is_blank(raw):
                checked = check(raw)
                if type(checked) is CheckedRow:
                    id_hash, pii_line = seal(vault, checked.member_id, checked.id_number, checked.phone)
                    stream = prepare(stream_id(checked.member_id), checked.events)
                    batch.ready.append(ReadyRow(checked.row, checked.name, id_hash, pii_line, stream))
                else:
                    batch.problems.extend(checked)  # type: ignore[arg-type]
                batch.size += 1
            if batch.size >= batch_rows:
                batch.rows_read, batch.fraction = consumed, table.progress()
                yield batch
                batch = Batch(0, 0.0)
        if consumed > skip:
            batch.rows_read, batch.fraction = consumed, 1.0
            yield batch
    finally:
        table.close()
