"""Cases opened in bulk (kite_common.bulk, as the casework bench seeds a province): the case aggregate
decides each opening, and the projections' batched writes (`apply_many`) give exactly the read models
that applying the same events one by one (a rebuild) gives."""

from __future__ import annotations

import random
from datetime import timedelta

from kite_casework.domain.case import Case, CaseRequest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.intake import Channel
from kite_casework.domain.sla import Urgency
from kite_casework.service import SERVICE as CASEWORK
from kite_common.bulk import append_new_streams
from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.rebuild import rebuild_projections

from .conftest import log_settled

TABLES = {
    "cases": "case_id",
    "case_timeline": "case_id, position",
    "case_sla_clock": "case_id",
    "service_ledger_cases": "case_id",
    "service_ledger_counts": "level, place, month, metric",
}


async def test_cases_opened_in_bulk_equal_the_same_events_applied_one_by_one(stack):
    rng = random.Random(7)
    now = utcnow()
    items = []
    for i in range(40):
        case = Case.create(new_id())
        request = CaseRequest(
            new_id(),
            rng.choice(list(CaseCategory)),
            rng.choice(list(Urgency)),
            f"诉求{i}",
            channel=rng.choice(list(Channel)),
            work_division_code="3301" if i % 3 == 0 else None,
            claimed_fen=100_000 * i if i % 4 == 0 and i else None,  # a second event in some streams
        )
        decided = case.open(request, f"5226311010{i % 10:02d}", "bulk", now - timedelta(minutes=i))
        items.append((case.stream_id, decided))
    pool = stack.casework.pool
    async with pool.acquire() as conn, conn.transaction():
        await append_new_streams(conn, CASEWORK.registry, CASEWORK.projections, stack.casework.runtime.topic, items)
    bulk = {t: [dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY {k}")] for t, k in TABLES.items()}
    assert len(bulk["cases"]) == 40 and len(bulk["case_sla_clock"]) == 40
    assert sum(r["claimed_fen"] > 0 for r in bulk["service_ledger_cases"]) == 9

    await log_settled(pool)
    async with pool.acquire() as conn:
        await rebuild_projections(conn, CASEWORK)
    for table, key in TABLES.items():
        assert [dict(r) for r in await pool.fetch(f"SELECT * FROM {table} ORDER BY {key}")] == bulk[table], table
