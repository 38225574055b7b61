"""Consumer "rights-record": an employer's labour-rights record, from casework's wage-arrears and
work-injury cases (casework.events).

Every event of a case is on the case's stream (one Kafka key), so they arrive in order: the opening
says whether the case counts, the employer named (a jobs employer id, or a name and credit code),
the amount claimed, each recovery, resolution, closing and reopening change its row, and the
employer's sums are rewritten in the same inbox transaction — so a redelivered event changes nothing.
casework's events are read through tolerant models of their published contracts (unknown fields
ignored); other events and other categories are skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_jobs.adapters import rights_record as sql
from kite_jobs.domain import rights_record as rights
from kite_jobs.domain.rights_record import RightsCase

_PREFIX = "kite.casework."


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: uuid.UUID


class _Opened(_Tolerant):
    category: str


class _EmployerNamed(_Tolerant):
    employer_id: uuid.UUID | None = None
    employer_credit_code: str | None = None


class _Claimed(_Tolerant):
    amount_fen: int


class _Money(_Tolerant):
    kind: str
    amount_fen: int


_CHANGES: dict[str, Callable[[RightsCase, dict[str, object]], RightsCase]] = {
    "case-amount-claimed.v1": lambda c, d: rights.claimed(c, _Claimed.model_validate(d).amount_fen),
    "case-money-recorded.v1": lambda c, d: rights.recovered(c, (m := _Money.model_validate(d)).kind, m.amount_fen),
    "case-resolved.v1": lambda c, d: rights.resolved(c),
    "case-closed.v1": lambda c, d: rights.resolved(c),
    "case-reopened.v1": lambda c, d: rights.reopened(c),
}


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    if not env.type.startswith(_PREFIX):
        return
    kind = env.type.removeprefix(_PREFIX)
    conn = uow.conn
    if kind == "case-opened.v1":
        opened = _Opened.model_validate(env.data)
        if rights.counts(opened.category):
            await sql.add_case(conn, RightsCase(opened.case_id, opened.category), env.time)
        return
    if kind != "case-employer-named.v1" and kind not in _CHANGES:
        return
    case = await sql.find_case(conn, _Tolerant.model_validate(env.data).case_id)
    if case is None:
        return  # not a wage or injury case
    if kind == "case-employer-named.v1":
        named = _EmployerNamed.model_validate(env.data)
        employer_id, code = await sql.employer_by_id_or_code(conn, named.employer_id, named.employer_credit_code)
        after = replace(case, employer_id=employer_id, employer_credit_code=code)
    else:
        after = _CHANGES[kind](case, env.data)
    if after != case:
        await sql.save_case(conn, case, after)


RIGHTS_RECORD = ConsumerSpec("rights-record", ["casework"], handle)
