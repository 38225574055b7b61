"""Keeps the monitoring read models and the monitoring ledger's counters from monitoring events.

One projection for all of them, so the ledger's counters always move from the household's state before
the event (`monitoring_households` and the open pairing), whatever order projections run in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied, AppliedWhenPrepared

from kite_roster.monitoring.domain.ledger import Delta, LedgerState, cadre_delta, moved
from kite_roster.monitoring.domain.monitoring_events import (
    AssistanceMeasureRecorded,
    CadreRegistered,
    HouseholdPaired,
    HouseholdRiskCleared,
    HouseholdRiskFlagged,
    HouseholdUnpaired,
    HouseholdVisited,
    MainEarnerDesignated,
    MonitoringLineSet,
    RiskAlertDismissed,
    RiskAlertRaised,
)

# A new monitoring stream of only these events (no alert) is written in bulk by `write_prepared`.
_BULK = (HouseholdRiskFlagged, HouseholdRiskCleared, AssistanceMeasureRecorded, HouseholdVisited)
_HOUSEHOLD_COLUMNS = (
    "household_id", "division_code", "monitored", "ever_flagged", "category", "flag_persons", "flagged_on",
    "cleared_on", "version",
)  # fmt: skip


class MonitoringProjection(AppliedWhenPrepared):
    name = "monitoring"
    # monitoring_lines is left out: its seed rows are not events, a rebuild upserts over them.
    tables = (
        "monitoring_households",
        "monitoring_alerts",
        "monitoring_visits",
        "assistance_measures",
        "cadres",
        "pairings",
        "monitoring_ledger_counts",
    )
    handles = (
        MonitoringLineSet,
        RiskAlertRaised,
        HouseholdVisited,
        RiskAlertDismissed,
        MainEarnerDesignated,
        HouseholdRiskFlagged,
        HouseholdRiskCleared,
        AssistanceMeasureRecorded,
        CadreRegistered,
        HouseholdPaired,
        HouseholdUnpaired,
    )

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if not isinstance(payload, self.handles):
            return
        if isinstance(payload, MonitoringLineSet):
            await conn.execute(
                """INSERT INTO monitoring_lines (year, province_code, line_fen, drop_percent, clear_years, source)
                   VALUES ($1,$2,$3,$4,$5,$6)
                   ON CONFLICT (year, province_code) DO UPDATE SET line_fen = excluded.line_fen,
                       drop_percent = excluded.drop_percent, clear_years = excluded.clear_years,
                       source = excluded.source""",
                payload.year,
                payload.province_code,
                payload.line_fen,
                payload.drop_percent,
                payload.clear_years,
                f"set by {payload.set_by}",
            )
        elif isinstance(payload, CadreRegistered):
            await conn.execute(
                """INSERT INTO cadres (cadre_id, name, rank, organisation, organisation_code, version)
                   VALUES ($1,$2,$3,$4,$5,$6)""",
                payload.cadre_id,
                payload.name,
                payload.rank,
                payload.organisation,
                payload.organisation_code,
                event.stream_version,
            )
            await add_deltas(conn, [cadre_delta(payload, event.time.date())])
        elif isinstance(payload, HouseholdPaired | HouseholdUnpaired):
            await self._pairing(conn, event, payload)
        else:
            await self._household_event(conn, event, payload)

    async def write_prepared(self, conn: Connection, prepared: Sequence[list[Applied]]) -> None:
        """New streams in a bulk append, in order: runs of plain household streams (flags, clearances,
        measures, visits) in a few statements each; any other stream event by event, as `apply` does."""
        run: list[list[Applied]] = []
        for items in prepared:
            if all(isinstance(p, _BULK) and getattr(p, "alert_id", None) is None for _, p in items):
                run.append(items)
                continue
            await self._write_run(conn, run)
            run = []
            for envelope, payload in items:
                await self.apply(conn, envelope, payload)
        await self._write_run(conn, run)

    async def _write_run(self, conn: Connection, run: Sequence[list[Applied]]) -> None:
        """What `apply` writes for each event of these new household streams, folded in memory: their
        monitoring_households rows (none existed: the streams are new), visits, measures, counters."""
        if not run:
            return
        ids = [items[0][1].household_id for items in run]  # type: ignore[attr-defined]
        paired = {
            r["household_id"]
            for r in await conn.fetch(
                "SELECT household_id FROM pairings WHERE household_id = ANY($1::uuid[]) AND ended_on IS NULL", ids
            )
        }
        households: list[tuple[object, ...]] = []
        visits: list[tuple[object, ...]] = []
        measures: list[tuple[object, ...]] = []
        deltas: list[Delta] = []
        for household_id, items in zip(ids, run, strict=True):
            state = LedgerState(paired=household_id in paired)
            row: dict[str, object] = {
                "division_code": None, "monitored": False, "ever_flagged": False, "category": None,
                "flag_persons": 0, "flagged_on": None, "cleared_on": None, "version": 0,
            }  # fmt: skip
            for envelope, payload in items:
                state, moved_by = moved(payload, state)
                deltas += moved_by
                row["version"] = envelope.stream_version
                if isinstance(payload, HouseholdRiskFlagged):
                    row.update(
                        division_code=payload.division_code, monitored=True, ever_flagged=True,
                        category=payload.category, flag_persons=payload.persons, flagged_on=payload.flagged_on,
                        cleared_on=None,
                    )  # fmt: skip
                elif isinstance(payload, HouseholdRiskCleared):
                    row.update(
                        division_code=payload.division_code, monitored=False, category=None, flag_persons=0,
                        cleared_on=payload.cleared_on,
                    )  # fmt: skip
                elif isinstance(payload, AssistanceMeasureRecorded):
                    row["division_code"] = row["division_code"] or payload.division_code
                    measures.append(
                        (payload.measure_id, household_id, payload.division_code, payload.kind, payload.giver,
                         payload.amount_fen, payload.started_on, payload.ended_on)
                    )  # fmt: skip
                elif isinstance(payload, HouseholdVisited):
                    visits.append(
                        (payload.visit_id, household_id, payload.visited_on, payload.note, payload.visited_by)
                    )
            if row["division_code"] is not None:
                households.append((household_id, *(row[c] for c in _HOUSEHOLD_COLUMNS[1:])))
        if households:
            await conn.copy_records_to_table("monitoring_households", records=households, columns=_HOUSEHOLD_COLUMNS)
        if visits:
            await conn.copy_records_to_table(
                "monitoring_visits",
                records=visits,
                columns=("visit_id", "household_id", "visited_on", "note", "visited_by"),
            )
        if measures:
            await conn.copy_records_to_table(
                "assistance_measures",
                records=measures,
                columns=(
                    "measure_id", "household_id", "division_code", "kind", "giver", "amount_fen", "started_on",
                    "ended_on",
                ),
            )  # fmt: skip
        await add_deltas(conn, deltas)

    async def _household_event(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        household_id: uuid.UUID = payload.household_id  # type: ignore[attr-defined]
        division_code: str | None = getattr(payload, "division_code", None)
        before = await _state(conn, household_id)
        if division_code is not None:
            await conn.execute(
                """INSERT INTO monitoring_households (household_id, division_code, version) VALUES ($1,$2,$3)
                   ON CONFLICT (household_id) DO UPDATE SET version = excluded.version""",
                household_id,
                division_code,
                event.stream_version,
            )
        else:
            await conn.execute(
                "UPDATE monitoring_households SET version = $2 WHERE household_id = $1",
                household_id,
                event.stream_version,
            )
        if isinstance(payload, RiskAlertRaised):
            await conn.execute(
                """INSERT INTO monitoring_alerts (alert_id, household_id, division_code, signal, signal_key, year,
                                                  note, status, raised_at)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,'open',$8)""",
                payload.alert_id,
                household_id,
                payload.division_code,
                payload.signal,
                payload.signal_key,
                payload.year,
                payload.note,
                event.time,
            )
        elif isinstance(payload, HouseholdVisited):
            await conn.execute(
                """INSERT INTO monitoring_visits (visit_id, household_id, visited_on, note, visited_by)
                   VALUES ($1,$2,$3,$4,$5)""",
                payload.visit_id,
                household_id,
                payload.visited_on,
                payload.note,
                payload.visited_by,
            )
        elif isinstance(payload, RiskAlertDismissed):
            await _close_alert(conn, payload.alert_id, "dismissed", payload.reason, event)
        elif isinstance(payload, HouseholdRiskFlagged):
            if payload.alert_id is not None:
                await _close_alert(conn, payload.alert_id, "verified", payload.reason, event)
            await conn.execute(
                """UPDATE monitoring_households SET monitored = true, ever_flagged = true, category = $2,
                          flag_persons = $3, flagged_on = $4, cleared_on = NULL WHERE household_id = $1""",
                household_id,
                payload.category,
                payload.persons,
                payload.flagged_on,
            )
        elif isinstance(payload, HouseholdRiskCleared):
            await conn.execute(
                """UPDATE monitoring_households SET monitored = false, category = NULL, flag_persons = 0,
                          cleared_on = $2 WHERE household_id = $1""",
                household_id,
                payload.cleared_on,
            )
        elif isinstance(payload, AssistanceMeasureRecorded):
            await conn.execute(
                """INSERT INTO assistance_measures (measure_id, household_id, division_code, kind, giver, amount_fen,
                                                   started_on, ended_on)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8)""",
                payload.measure_id,
                household_id,
                payload.division_code,
                payload.kind,
                payload.giver,
                payload.amount_fen,
                payload.started_on,
                payload.ended_on,
            )
        _, deltas = moved(payload, before or LedgerState())
        await add_deltas(conn, deltas)

    async def _pairing(
        self, conn: Connection, event: EventEnvelope, payload: HouseholdPaired | HouseholdUnpaired
    ) -> None:
        before = await _state(conn, payload.household_id) or LedgerState()
        if isinstance(payload, HouseholdPaired):
            await conn.execute(
                """INSERT INTO pairings (cadre_id, household_id, division_code, per_capita_fen, rule, paired_on,
                                         paired_seq)
                   VALUES ($1,$2,$3,$4,$5,$6,$7)""",
                payload.cadre_id,
                payload.household_id,
                payload.division_code,
                payload.per_capita_fen,
                payload.rule,
                payload.paired_on,
                event.stream_version,
            )
            await conn.execute(
                "UPDATE cadres SET load = load + 1, version = $2 WHERE cadre_id = $1",
                payload.cadre_id,
                event.stream_version,
            )
        else:
            await conn.execute(
                """UPDATE pairings SET ended_on = $3, end_reason = $4
                   WHERE cadre_id = $1 AND household_id = $2 AND ended_on IS NULL""",
                payload.cadre_id,
                payload.household_id,
                payload.unpaired_on,
                payload.reason,
            )
            await conn.execute(
                "UPDATE cadres SET load = load - 1, version = $2 WHERE cadre_id = $1",
                payload.cadre_id,
                event.stream_version,
            )
        _, deltas = moved(payload, before)
        await add_deltas(conn, deltas)


async def _state(conn: Connection, household_id: uuid.UUID) -> LedgerState | None:
    row = await conn.fetchrow(
        """SELECT h.monitored, h.flag_persons,
                  EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.household_id AND p.ended_on IS NULL)
                      AS paired
           FROM monitoring_households h WHERE h.household_id = $1 FOR UPDATE""",
        household_id,
    )
    if row is None:
        paired = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pairings WHERE household_id = $1 AND ended_on IS NULL)", household_id
        )
        return LedgerState(paired=bool(paired)) if paired else None
    return LedgerState(unresolved=row["monitored"], persons=row["flag_persons"], paired=row["paired"])


async def _close_alert(conn: Connection, alert_id: uuid.UUID, status: str, reason: str, event: EventEnvelope) -> None:
    await conn.execute(
        "UPDATE monitoring_alerts SET status = $2, reason = $3, closed_at = $4 WHERE alert_id = $1",
        alert_id,
        status,
        reason,
        event.time,
    )


async def add_deltas(conn: Connection, deltas: Sequence[Delta]) -> None:
    """Add deltas to the counters in one statement, in key order (concurrent writers cannot deadlock)."""
    summed: dict[tuple[str, date, str], list[int]] = {}
    for d in deltas:
        acc = summed.setdefault((d.division_code, d.month, d.metric), [0, 0, 0])
        acc[0] += d.households
        acc[1] += d.persons
        acc[2] += d.amount_fen
    if not summed:
        return
    keys = sorted(summed)
    await conn.execute(
        """INSERT INTO monitoring_ledger_counts AS c (division_code, month, metric, households, persons, amount_fen)
           SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::int[], $5::int[], $6::bigint[])
           ON CONFLICT (division_code, month, metric) DO UPDATE
           SET households = c.households + excluded.households, persons = c.persons + excluded.persons,
               amount_fen = c.amount_fen + excluded.amount_fen""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
        [summed[k][0] for k in keys],
        [summed[k][1] for k in keys],
        [summed[k][2] for k in keys],
    )
