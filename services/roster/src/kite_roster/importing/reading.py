"""The reading side of an import: rows of a file parsed, checked, sealed and prepared into batches
ready to write. Only CPU and the file: it runs in a thread or in a process of its own (read_ahead),
and everything it hands over is plain data that pickles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kite_common.bulk import CopyBlock, JoinedStreams, PreparedStream, StreamPreparer
from kite_common.events import EventRegistry
from kite_common.projection import Projection

from kite_roster.importing.pii import seal
from kite_roster.importing.readers import open_table
from kite_roster.importing.rows import CheckedRow, RowChecker, RowProblem
from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.members.domain.member import stream_id
from kite_roster.projections import PROJECTIONS
from kite_roster.registry import registry


@dataclass(frozen=True)
class ImportFile:
    """One file to import, and for whom: what a reader needs, in this process or another."""

    path: Path
    jurisdiction: str  # rows whose origin lies outside are reported, not imported
    registered_by: str
    topic: str  # where the members' events are published
    traceparent: str | None = None  # of the upload or command, carried by every event


@dataclass
class Batch:
    """Rows read, checked and made ready to write: for the rows the domain accepted (by position), the
    row numbers, names and ID-number hashes (to find repeats), their member_pii lines (encrypted
    numbers only) and their prepared streams, each joined into blocks."""

    rows_read: int  # data rows consumed so far, blank ones included: the checkpoint after this batch
    fraction: float  # of the file read, 0..1
    size: int  # non-empty rows in this batch
    problems: list[RowProblem]  # rows refused while checking
    rows: list[int]
    names: list[str]
    id_hashes: list[bytes] = field(repr=False)
    pii: CopyBlock = field(repr=False)
    streams: JoinedStreams = field(repr=False)


class _Gathered:
    def __init__(self) -> None:
        self.size = 0
        self.problems: list[RowProblem] = []
        self.rows: list[int] = []
        self.names: list[str] = []
        self.id_hashes: list[bytes] = []
        self.pii: list[bytes] = []
        self.streams: list[PreparedStream] = []

    def batch(self, rows_read: int, fraction: float) -> Batch:
        return Batch(
            rows_read,
            fraction,
            self.size,
            self.problems,
            self.rows,
            self.names,
            self.id_hashes,
            CopyBlock.of(self.pii),
            JoinedStreams.of(self.streams),
        )


def roster_target() -> tuple[EventRegistry, tuple[Projection, ...]]:
    """The registry and projections imported members are written with: the roster service's."""
    return registry, PROJECTIONS


def read_batches(
    file: ImportFile,
    vault: PiiVault,
    registry: EventRegistry,
    projections: tuple[Projection, ...],
    batch_rows: int,
    skip: int,
    part: int = 0,
    parts: int = 1,
) -> Iterator[Batch]:
    """The file's rows after the first `skip`, in batches of `batch_rows` non-empty rows (the last one
    possibly smaller, or empty). With `parts` readers of the same file, each makes every parts-th
    batch, from the `part`-th on, and only counts the rows of the others (batches end at the same rows
    whoever reads them). Raises MalformedFile when the file turns out unreadable part way."""
    table = open_table(file.path)
    try:
        checker = RowChecker(table.header, table.header_titles, file.jurisdiction, file.registered_by)
        preparer = StreamPreparer(registry, file.topic, projections, traceparent=file.traceparent)
        is_blank, check, prepare = checker.is_blank, checker.check, preparer.prepare
        consumed = 0
        number = 0  # of the batch being gathered
        gathered = _Gathered()
        for raw in table.rows():
            consumed += 1
            if consumed <= skip:
                continue
            if number % parts != part:
                if not is_blank(raw):
                    gathered.size += 1
            elif not is_blank(raw):
                checked = check(raw)
                if type(checked) is CheckedRow:
                    id_hash, pii_line = seal(vault, checked.member_id, checked.id_number, checked.phone)
                    gathered.rows.append(checked.row)
                    gathered.names.append(checked.name)
                    gathered.id_hashes.append(id_hash)
                    gathered.pii.append(pii_line)
                    gathered.streams.append(prepare(stream_id(checked.member_id), checked.events))
                else:
                    gathered.problems.extend(checked)  # type: ignore[arg-type]
                gathered.size += 1
            if gathered.size >= batch_rows:
                if number % parts == part:
                    yield gathered.batch(consumed, table.progress())
                gathered = _Gathered()
                number += 1
        if consumed > skip and number % parts == part:
            yield gathered.batch(consumed, 1.0)
    finally:
        table.close()
