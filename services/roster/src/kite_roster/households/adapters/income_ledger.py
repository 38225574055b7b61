"""The income ledger's counters (收入台账): households and people per village × year × per-capita
income band × flags, moved inline by the household projection whenever a report, a correction or a
flag change moves a household.

Bands and the monitoring threshold are settings. The counters are kept at every band edge and at the
threshold, so a ledger read can answer both "per band" and "below the threshold" from the same rows.
Changing either setting needs a rebuild (`kite rebuild roster`); the ledger refuses to answer from
counters made under other settings (their `basis` differs) rather than answer wrongly."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Annotated, Any

from kite_common.db.types import Connection
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class IncomeLedgerSettings(BaseSettings):
    """`KITE_ROSTER_INCOME_BANDS`: band edges in yuan per person per year, comma-separated or a JSON
    list. The defaults follow seeds/000 (昭通): cadres pair with households whose 年人均纯收入 is
    below 10,000 yuan, leading cadres with those at 6,000–10,000 and other cadres with 8,000–10,000;
    20,000 splits off the households well above that.

    `KITE_ROSTER_MONITORING_THRESHOLD`: the 防返贫监测 line in yuan per person per year (default
    7,000). The seeds give no such figure (their 10,000 is the pairing line, not the monitoring
    line); counties set it each year, so it is a setting."""

    model_config = SettingsConfigDict(env_prefix="KITE_ROSTER_", extra="ignore")

    income_bands: Annotated[list[Decimal], NoDecode] = Field(
        default_factory=lambda: [Decimal(6000), Decimal(8000), Decimal(10000), Decimal(20000)]
    )
    monitoring_threshold: Decimal = Decimal(7000)

    @field_validator("income_bands", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().removeprefix("[").removesuffix("]")
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _sane(self) -> IncomeLedgerSettings:
        edges = self.income_bands
        if not edges or any(e <= 0 for e in edges) or sorted(set(edges)) != edges:
            raise ValueError("KITE_ROSTER_INCOME_BANDS must be increasing positive yuan amounts, e.g. 6000,8000,10000")
        if self.monitoring_threshold <= 0:
            raise ValueError("KITE_ROSTER_MONITORING_THRESHOLD must be a positive amount of yuan")
        return self

    @cached_property
    def bands(self) -> IncomeBands:
        return IncomeBands(tuple(self.income_bands), self.monitoring_threshold)


@lru_cache
def income_ledger_settings() -> IncomeLedgerSettings:
    return IncomeLedgerSettings()


def yuan(amount: Decimal) -> str:
    """6000 → "6000", 6600.50 → "6600.5": an amount as people write it."""
    return f"{amount.normalize():f}"


@dataclass(frozen=True)
class Band:
    floor: Decimal  # inclusive
    ceiling: Decimal | None  # exclusive; None for the top band

    @property
    def label(self) -> str:
        if self.ceiling is None:
            return f"{yuan(self.floor)}元及以上"
        if self.floor == 0:
            return f"{yuan(self.ceiling)}元以下"
        return f"{yuan(self.floor)}–{yuan(self.ceiling)}元"

    def holds(self, amount: Decimal) -> bool:
        return amount >= self.floor and (self.ceiling is None or amount < self.ceiling)


@dataclass(frozen=True)
class IncomeBands:
    edges: tuple[Decimal, ...]
    threshold: Decimal

    @property
    def bands(self) -> list[Band]:
        """The bands shown: below the first edge, between edges, at or above the last."""
        floors = (Decimal(0), *self.edges)
        return [Band(f, floors[i + 1] if i + 1 < len(floors) else None) for i, f in enumerate(floors)]

    @property
    def counter_floors(self) -> tuple[Decimal, ...]:
        """Where counters are cut: every band edge and the threshold."""
        return (Decimal(0), *sorted({*self.edges, self.threshold}))

    @property
    def basis(self) -> str:
        return f"bands={','.join(yuan(e) for e in self.edges)};threshold={yuan(self.threshold)}"

    def counter_floor(self, per_capita: Decimal) -> Decimal:
        return max(f for f in self.counter_floors if f <= per_capita)


@dataclass(frozen=True)
class LedgerFlags:
    poverty_registered: bool
    relocated: bool
    monitored: bool


@dataclass(frozen=True)
class LedgerEntry:
    """One household in one year, as the ledger counts it."""

    year: int
    per_capita_income: Decimal
    household_size: int


class IncomeLedgerCounters:
    table = "income_ledger_counts"

    def __init__(self, settings: IncomeLedgerSettings | None = None) -> None:
        self._settings = settings

    @property
    def bands(self) -> IncomeBands:
        return (self._settings or income_ledger_settings()).bands

    async def move(
        self,
        conn: Connection,
        division_code: str,
        removed: Iterable[tuple[LedgerEntry, LedgerFlags]],
        added: Iterable[tuple[LedgerEntry, LedgerFlags]],
    ) -> None:
        """Take `removed` out of the counters and put `added` in, in one statement; rows that fall
        to zero households are deleted so the table holds only what is counted."""
        bands = self.bands
        deltas: dict[_CounterKey, list[int]] = {}
        for sign, items in ((-1, removed), (1, added)):
            for entry, flags in items:
                key = (
                    entry.year,
                    bands.counter_floor(entry.per_capita_income),
                    flags.poverty_registered,
                    flags.relocated,
                    flags.monitored,
                )
                delta = deltas.setdefault(key, [0, 0])
                delta[0] += sign
                delta[1] += sign * entry.household_size
        # Sorted, so concurrent writers lock counter rows in one order and cannot deadlock.
        changed = sorted((k, v) for k, v in deltas.items() if v != [0, 0])
        if not changed:
            return
        rows = await conn.fetch(
            """INSERT INTO income_ledger_counts AS c (year, division_code, basis, band_floor, poverty_registered,
                                                      relocated, monitored, households, persons)
               SELECT y, $1, $2, f, p, r, m, h, n
               FROM unnest($3::int[], $4::numeric[], $5::bool[], $6::bool[], $7::bool[], $8::int[], $9::int[])
                    WITH ORDINALITY AS d(y, f, p, r, m, h, n, i)
               ORDER BY i
               ON CONFLICT (year, division_code, basis, band_floor, poverty_registered, relocated, monitored)
               DO UPDATE SET households = c.households + excluded.households,
                             persons = c.persons + excluded.persons
               RETURNING year, band_floor, poverty_registered, relocated, monitored, households, persons""",
            division_code,
            bands.basis,
            *_columns(changed),
        )
        if any(r["households"] < 0 or r["persons"] < 0 for r in rows):
            # Only a projection bug gets here: fail the write rather than keep a wrong ledger.
            raise RuntimeError(f"income ledger counters of {division_code} would fall below zero")
        empty = [r for r in rows if r["households"] == 0]
        if empty:
            await conn.execute(
                """DELETE FROM income_ledger_counts AS c
                   USING unnest($3::int[], $4::numeric[], $5::bool[], $6::bool[], $7::bool[]) AS d(y, f, p, r, m)
                   WHERE c.year = d.y AND c.division_code = $1 AND c.basis = $2 AND c.band_floor = d.f
                     AND c.poverty_registered = d.p AND c.relocated = d.r AND c.monitored = d.m""",
                division_code,
                bands.basis,
                *(
                    [r[col] for r in empty]
                    for col in ("year", "band_floor", "poverty_registered", "relocated", "monitored")
                ),
            )


_CounterKey = tuple[int, Decimal, bool, bool, bool]


def _columns(items: list[tuple[_CounterKey, list[int]]]) -> list[list[Any]]:
    """Counter deltas as the column arrays `unnest` takes: year, floor, three flags, households, persons."""
    return [[k[i] for k, _ in items] for i in range(5)] + [[v[0] for _, v in items], [v[1] for _, v in items]]


async def entries_of(conn: Connection, household_id: uuid.UUID) -> Sequence[LedgerEntry]:
    """Every year of a household as the ledger counts it (from household_incomes)."""
    rows = await conn.fetch(
        "SELECT year, per_capita_income, household_size FROM household_incomes WHERE household_id = $1",
        household_id,
    )
    return [LedgerEntry(r["year"], r["per_capita_income"], r["household_size"]) for r in rows]
