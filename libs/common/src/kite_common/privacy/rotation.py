"""Key rotation, shared by every service that keeps encrypted values: re-encrypt every stored personal
value under the active data key, and optionally rewrite every blind index under the current hash key.
A service declares its encrypted columns (`EncryptedColumn`) and offers `kite <service> reencrypt`
(`kite_common.privacy.rotation_cli`); roster's members and organisation contacts and jobs' employer
contacts are rotated this way.

Each table of the declared columns is walked in keyset batches (key column order); a batch is one
transaction whose rows are locked FOR UPDATE. A row is only touched when a value carries another key
id than the active one (or, with `rehash`, when its blind index differs), so a run can be stopped and
started again at any time, and a second run changes nothing.

Before anything is written, every key id found in the data must be configured and one value per key
id must decrypt with it; otherwise the run is refused and nothing is changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag

from kite_common.db.types import Connection
from kite_common.privacy.protector import FieldProtector

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class EncryptedColumn:
    """A column holding `FieldProtector.encrypt` output, found by `key_column` (unique, sortable).
    `hash_column`, when given, holds the blind index of the same plaintext under the same context."""

    table: str
    key_column: str
    column: str
    context: str
    hash_column: str | None = None


class RotationRefused(Exception):
    """The run cannot go ahead; the message (Chinese) says why and what to do. Nothing was changed."""


@dataclass(frozen=True)
class _Table:
    name: str
    key_column: str
    columns: tuple[EncryptedColumn, ...]


@dataclass
class ReencryptReport:
    active_key_id: str
    dry_run: bool
    rehash: bool
    # "table.column" -> key id -> number of values found before the run
    found: dict[str, Counter[str]] = field(default_factory=dict)
    # "table.column" -> old key id -> number of values re-encrypted (or that would be, on a dry run)
    reencrypted: dict[str, Counter[str]] = field(default_factory=dict)
    # "table.hash_column" -> number of blind indexes rewritten (or that would be)
    rehashed: Counter[str] = field(default_factory=Counter)
    rows_visited: int = 0
    rows_changed: int = 0
    batches: int = 0

    @property
    def values_reencrypted(self) -> int:
        return sum(sum(c.values()) for c in self.reencrypted.values())


@dataclass(frozen=True)
class Plan:
    """What a census found: rows to visit per table, for progress."""

    tables: tuple[_Table, ...]
    rows_to_visit: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows_to_visit.values())


def _ident(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _tables(columns: Sequence[EncryptedColumn]) -> tuple[_Table, ...]:
    grouped: dict[tuple[str, str], list[EncryptedColumn]] = {}
    for column in columns:
        grouped.setdefault((_ident(column.table), _ident(column.key_column)), []).append(column)
        _ident(column.column)
        if column.hash_column:
            _ident(column.hash_column)
    return tuple(_Table(t, k, tuple(cs)) for (t, k), cs in grouped.items())


def _label(column: EncryptedColumn) -> str:
    return f"{column.table}.{column.column}"


def _key_id(stored: str | None) -> str | None:
    return stored.partition(":")[0] if stored is not None else None


async def census(
    conn: Connection,
    protector: FieldProtector,
    report: ReencryptReport,
    columns: Sequence[EncryptedColumn],
) -> Plan:
    """Count the values per key id (one scan per table), check that every key id is configured and that
    a value under each decrypts; raise RotationRefused otherwise."""
    active = protector.active_key_id
    tables = _tables(columns)
    unknown: list[str] = []
    undecryptable: list[str] = []
    rows_to_visit: dict[str, int] = {}
    for table in tables:
        kid_exprs = ", ".join(f"split_part({c.column}, ':', 1)" for c in table.columns)
        samples = ", ".join(f"min({c.column})" for c in table.columns)
        groups = await conn.fetch(
            f"SELECT {kid_exprs}, count(*), {samples} FROM {table.name} GROUP BY {kid_exprs}",
        )
        width = len(table.columns)
        to_visit = 0
        sample_of: dict[tuple[int, str], str] = {}
        for group in groups:
            kids: list[str | None] = [group[i] for i in range(width)]
            count: int = group[width]
            if report.rehash or any(k is not None and k != active for k in kids):
                to_visit += count
            for i, kid in enumerate(kids):
                if kid is None:
                    continue
                report.found.setdefault(_label(table.columns[i]), Counter())[kid] += count
                sample_of.setdefault((i, kid), group[width + 1 + i])
        rows_to_visit[table.name] = to_visit
        for (i, kid), sample in sorted(sample_of.items()):
            column = table.columns[i]
            label = _label(column)
            if not protector.knows(kid):
                unknown.append(f"{label}: 密钥编号 {kid}（{report.found[label][kid]} 个值）")
                continue
            try:
                protector.decrypt(sample, column.context)
            except (InvalidTag, ValueError):
                undecryptable.append(f"{label}: 密钥编号 {kid}")
    if unknown:
        raise RotationRefused(
            "数据中有未配置的密钥编号，无法重新加密，未做任何修改：\n  "
            + "\n  ".join(unknown)
            + "\n请把这些密钥加回 KITE_CRYPTO_DATA_KEYS（排在新密钥之后）再运行。"
        )
    if undecryptable:
        raise RotationRefused(
            "以下密钥编号下的数据无法用所配置的密钥解密（密钥内容与编号不符？），未做任何修改：\n  "
            + "\n  ".join(undecryptable)
        )
    return Plan(tables, rows_to_visit)


async def reencrypt(
    conn: Connection,
    protector: FieldProtector,
    *,
    columns: Sequence[EncryptedColumn],
    batch_size: int = 1000,
    dry_run: bool = False,
    rehash: bool = False,
    on_plan: Callable[[Plan], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ReencryptReport:
    """Run the rotation on `conn` (outside any transaction). `on_plan` gets the census (for a progress
    total) and `on_batch` the number of rows each batch visited."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    report = ReencryptReport(protector.active_key_id, dry_run, rehash)
    plan = await census(conn, protector, report, columns)
    if on_plan is not None:
        on_plan(plan)
    for table in plan.tables:
        if plan.rows_to_visit[table.name]:
            await _walk(conn, protector, table, report, batch_size, on_batch)
    return report


async def _walk(
    conn: Connection,
    protector: FieldProtector,
    table: _Table,
    report: ReencryptReport,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
) -> None:
    active = protector.active_key_id
    cols = table.columns
    hashed = [c for c in cols if c.hash_column and report.rehash]
    selected = [table.key_column, *(c.column for c in cols), *(str(c.hash_column) for c in hashed)]
    # Without rehash only rows holding a value under another key are read: a rerun skips what is done.
    # Parameters: $1 batch size, then the active key id (unless rehashing), then the last key seen.
    filter_args: list[Any] = [] if report.rehash else [active]
    conditions = (
        [] if report.rehash else ["(" + " OR ".join(f"split_part({c.column}, ':', 1) <> $2" for c in cols) + ")"]
    )
    resume = [f"{table.key_column} > ${len(filter_args) + 2}"]
    lock = "" if report.dry_run else " FOR UPDATE"

    def select(where: list[str]) -> str:
        return (
            f"SELECT {', '.join(selected)} FROM {table.name}"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + f" ORDER BY {table.key_column} LIMIT $1{lock}"
        )

    first_sql, next_sql = select(conditions), select([*conditions, *resume])
    assignments = [f"{c.column} = ${i + 2}" for i, c in enumerate(cols)]
    assignments += [f"{c.hash_column} = ${len(cols) + i + 2}" for i, c in enumerate(hashed)]
    update_sql = f"UPDATE {table.name} SET {', '.join(assignments)} WHERE {table.key_column} = $1"

    last: Any = None
    while True:
        async with conn.transaction():
            if last is None:
                rows = await conn.fetch(first_sql, batch_size, *filter_args)
            else:
                rows = await conn.fetch(next_sql, batch_size, *filter_args, last)
            updates: list[tuple[Any, ...]] = []
            for row in rows:
                update = _rotate_row(protector, table, hashed, row, report)
                if update is not None:
                    updates.append(update)
            if updates and not report.dry_run:
                await conn.executemany(update_sql, updates)
        report.batches += 1
        report.rows_visited += len(rows)
        report.rows_changed += len(updates)
        if on_batch is not None and rows:
            on_batch(len(rows))
        if len(rows) < batch_size:
            return
        last = rows[-1][table.key_column]


def _rotate_row(
    protector: FieldProtector,
    table: _Table,
    hashed: list[EncryptedColumn],
    row: Any,
    report: ReencryptReport,
) -> tuple[Any, ...] | None:
    key = row[table.key_column]
    active = protector.active_key_id
    changed = False
    values: list[Any] = []
    plaintexts: dict[str, str | None] = {}
    for column in table.columns:
        stored: str | None = row[column.column]
        kid = _key_id(stored)
        if stored is None or kid is None:
            values.append(stored)
            plaintexts[column.column] = None
            continue
        if not protector.knows(kid):
            raise RotationRefused(
                f"{_label(column)} 中 {table.key_column}={key} 的值用了未配置的密钥编号 {kid}；本批未修改"
            )
        needs_plain = kid != active or (column.hash_column is not None and column in hashed)
        plain = None
        if needs_plain:
            try:
                plain = protector.decrypt(stored, column.context)
            except (InvalidTag, ValueError) as exc:
                raise RotationRefused(
                    f"{_label(column)} 中 {table.key_column}={key} 的值无法解密（密钥编号 {kid}）；本批未修改"
                ) from exc
        plaintexts[column.column] = plain
        if kid != active:
            assert plain is not None
            values.append(protector.encrypt(plain, column.context))
            report.reencrypted.setdefault(_label(column), Counter())[kid] += 1
            changed = True
        else:
            values.append(stored)
    for column in hashed:
        assert column.hash_column is not None
        plain = plaintexts[column.column]
        current: bytes | None = row[column.hash_column]
        if plain is None:
            values.append(current)
            continue
        fresh = protector.blind_index(plain, column.context)
        values.append(fresh)
        if fresh != current:
            report.rehashed[f"{table.name}.{column.hash_column}"] += 1
            changed = True
    return (key, *values) if changed else None
