"""An employer's labour-rights record from casework's wage and injury cases, read from the real broker:
on the employer, on its postings (marked for staff, filterable), exactly once under redelivery."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.identifiers.credit_code import check_character
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import auth, eventually, running
from kite_jobs.adapters import rights_record as sql
from kite_jobs.domain.rights_record import RightsCase, claimed, recovered, reopened, resolved, summarise
from kite_jobs.service import SERVICE as JOBS

from .test_employers_postings_api import EMPLOYER, posting_body

COUNTY = "522631"
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
LATER_CODE = "91330106MA2CFQ0B2" + check_character("91330106MA2CFQ0B2")


def test_a_record_sums_claims_recoveries_and_what_is_still_owed_per_case():
    wage = claimed(RightsCase(uuid.uuid4(), "wage_arrears"), 800_000)
    wage = recovered(recovered(wage, "recovered", 300_000), "relief_paid", 100_000)  # relief is not the employer's
    injury = resolved(recovered(claimed(RightsCase(uuid.uuid4(), "work_injury"), 100_000), "recovered", 150_000))
    s = summarise([wage, injury])
    assert (s.open_cases, s.resolved_cases, s.open_wage_cases) == (1, 1, 1) and s.marked
    # the injury case's compensation above its claim pays none of the wages still owed
    assert (s.claimed_fen, s.recovered_fen, s.outstanding_fen) == (900_000, 450_000, 500_000)
    after = summarise([resolved(wage), injury])
    assert (after.open_cases, after.open_wage_cases, after.marked) == (0, 0, False)
    assert summarise([reopened(resolved(wage))]).marked


def case_event(case_id: uuid.UUID, name: str, time: datetime, **data: object) -> EventEnvelope:
    return EventEnvelope(
        id=new_id(),
        source="/kite/casework",
        type=f"kite.casework.{name}.v1",
        subject=f"case-{case_id}",
        time=time,
        data={"case_id": str(case_id), "a_field_added_later": 1, **data},
        stream_version=1,
    )


def opened(case_id: uuid.UUID, category: str, time: datetime) -> EventEnvelope:
    return case_event(
        case_id,
        "case-opened",
        time,
        member_id=str(uuid.uuid4()),
        origin_division_code=f"{COUNTY}101001",
        category=category,
        urgency="high",
        description="工地拖欠工资",
        sla_tier="day",
        deadline=(time + timedelta(days=1)).isoformat(),
        opened_by="desk-1",
    )


async def publish(infra, prefix: str, *events: EventEnvelope) -> None:
    producer = await create_producer(infra.kafka(prefix))
    try:
        for event in events:
            key, value, headers = encode(event)
            await producer.send_and_wait(topic_for("casework", prefix), value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_wage_and_injury_cases_make_the_employers_record_and_mark_its_postings_once(infra, prefix):
    async with running(infra, JOBS, prefix) as jobs, jobs.client(headers=STAFF) as http:
        employer = (await http.post("/employers", json=EMPLOYER)).json()
        eid = employer["employer_id"]
        assert employer["rights_record"] == {
            "open_cases": 0,
            "resolved_cases": 0,
            "open_wage_cases": 0,
            "claimed_fen": 0,
            "recovered_fen": 0,
            "outstanding_fen": 0,
        }
        posting = (await http.post("/postings", json=posting_body(eid))).json()
        assert posting["marked_wage_arrears"] is False

        now = utcnow()
        wage, injury, medical, later = new_id(), new_id(), new_id(), new_id()
        wage_money = case_event(wage, "case-money-recorded", now, kind="recovered", amount_fen=200_000)
        events = [
            opened(wage, "wage_arrears", now),
            case_event(wage, "case-amount-claimed", now, amount_fen=800_000),
            case_event(wage, "case-employer-named", now, employer_id=eid, employer_name="杭州某电子厂"),
            wage_money,
            wage_money,  # delivered twice: counted once
            case_event(wage, "case-money-recorded", now, kind="relief_paid", amount_fen=50_000),
            # an injury case naming the employer by its credit code only, resolved
            opened(injury, "work_injury", now),
            case_event(
                injury,
                "case-employer-named",
                now,
                employer_name="某厂",
                employer_credit_code=EMPLOYER["unified_social_credit_code"],
            ),
            case_event(injury, "case-amount-claimed", now, amount_fen=100_000),
            case_event(
                injury,
                "case-resolved",
                now,
                outcome="resolved",
                summary="已赔付",
                resolved_by="d",
                resolved_at=now.isoformat(),
            ),
            # a medical case naming the employer is not a rights case
            opened(medical, "medical", now),
            case_event(medical, "case-employer-named", now, employer_id=eid),
            # a wage case of an employer that registers in jobs only afterwards
            opened(later, "wage_arrears", now),
            case_event(later, "case-employer-named", now, employer_name="后登记厂", employer_credit_code=LATER_CODE),
            case_event(later, "case-amount-claimed", now, amount_fen=300_000),
        ]
        await publish(infra, prefix, *events)
        # a redelivery of the start of the wage case's stream changes nothing; then one more event on its key
        sentinel = case_event(
            wage, "case-progress-noted", now, note="已联系单位", noted_by="d", noted_at=now.isoformat()
        )
        await publish(infra, prefix, *events[:3], sentinel)

        expected = {
            "open_cases": 1,
            "resolved_cases": 1,
            "open_wage_cases": 1,
            "claimed_fen": 900_000,
            "recovered_fen": 200_000,
            "outstanding_fen": 700_000,
        }

        async def recorded() -> bool:
            got = (await http.get(f"/employers/{eid}")).json()["rights_record"]
            handled = await jobs.pool.fetchval("SELECT count(*) FROM inbox WHERE source = '/kite/casework'")
            return got == expected and handled == len(events)  # every distinct event, the sentinel included

        await eventually(recorded)
        assert await jobs.pool.fetchval("SELECT count(*) FROM rights_cases") == 3

        marked = (await http.get(f"/postings/{posting['posting_id']}")).json()
        assert (marked["marked_wage_arrears"], marked["employer_open_wage_cases"]) == (True, 1)
        listed = (await http.get("/employers")).json()["items"]
        assert [e["rights_record"] for e in listed] == [expected]

        other = (await http.post("/employers", json=EMPLOYER | {"unified_social_credit_code": LATER_CODE})).json()
        assert other["rights_record"]["outstanding_fen"] == 300_000 and other["rights_record"]["open_wage_cases"] == 1
        clean_employer = (
            await http.post("/employers", json=EMPLOYER | {"unified_social_credit_code": "91110000600037341L"})
        ).json()
        clean = (await http.post("/postings", json=posting_body(clean_employer["employer_id"]))).json()

        def ids(page: dict) -> set[str]:
            return {p["posting_id"] for p in page["items"]}

        assert ids((await http.get("/postings?marked_wage_arrears=true")).json()) == {posting["posting_id"]}
        assert ids((await http.get("/postings?marked_wage_arrears=false")).json()) == {clean["posting_id"]}

        # the wage case is resolved, then reopened by an unsatisfied follow-up
        await publish(
            infra,
            prefix,
            case_event(
                wage,
                "case-resolved",
                now,
                outcome="resolved",
                summary="s",
                resolved_by="d",
                resolved_at=now.isoformat(),
            ),
        )

        async def unmarked() -> bool:
            return (await http.get(f"/postings/{posting['posting_id']}")).json()["marked_wage_arrears"] is False

        await eventually(unmarked)
        await publish(
            infra,
            prefix,
            case_event(
                wage,
                "case-reopened",
                now,
                owner="d",
                deadline=now.isoformat(),
                reopened_by="d",
                reopened_at=now.isoformat(),
            ),
        )

        async def marked_again() -> bool:
            return (await http.get(f"/postings/{posting['posting_id']}")).json()["marked_wage_arrears"] is True

        await eventually(marked_again)


async def test_two_cases_of_one_employer_changed_at_once_both_count(infra, prefix):
    """Two consumer transactions (other partitions or processes) change two cases of one employer: the
    second waits for the first and sums both — neither overwrites the other's sum."""
    async with running(infra, JOBS, prefix, roles=("api",)) as jobs, jobs.client(headers=STAFF) as http:
        eid = uuid.UUID((await http.post("/employers", json=EMPLOYER)).json()["employer_id"])
        first, second = RightsCase(new_id(), "wage_arrears"), RightsCase(new_id(), "wage_arrears")
        async with jobs.pool.acquire() as a, jobs.pool.acquire() as b:
            for case in (first, second):
                await sql.add_case(a, case, utcnow())
            tx_a, tx_b = a.transaction(), b.transaction()
            await tx_a.start()
            await sql.save_case(a, first, replace(first, employer_id=eid, claimed_fen=100))
            await tx_b.start()
            waiting = asyncio.create_task(sql.save_case(b, second, replace(second, employer_id=eid, claimed_fen=200)))

            async def b_waits() -> bool:
                return bool(await jobs.pool.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"))

            await eventually(b_waits)
            await tx_a.commit()
            await waiting
            await tx_b.commit()
        row = await jobs.pool.fetchrow(
            "SELECT open_wage_cases, claimed_fen FROM employer_rights WHERE employer_id = $1", eid
        )
        assert (row["open_wage_cases"], row["claimed_fen"]) == (2, 300)
