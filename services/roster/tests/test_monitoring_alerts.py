"""防返贫 early warning over real Kafka, HTTP and PostgreSQL: signals raise alerts (once per signal),
a cadre verifies with a visit and flags or dismisses; measures, clearance and re-flagging; what is refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import answer, auth, eventually, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "530621"  # 鲁甸县（昭通）
VILLAGE = f"{COUNTY}101001"
OTHER_COUNTY = "530622"
REGISTRAR = auth(["registrar"], COUNTY)
OTHER_REGISTRAR = auth(["registrar"], OTHER_COUNTY)
PROVINCE_ADMIN = auth(["admin"], "53")
YEAR = utcnow().year - 1
LINE_FEN = 750_000  # 7,500 yuan per person


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix) as svc:
        yield svc


async def set_lines(http) -> None:  # type: ignore[no-untyped-def]
    for year in (YEAR - 1, YEAR, YEAR + 1):
        body = {"line_fen": LINE_FEN, "drop_percent": 30, "clear_years": 1}
        put = await http.put(f"/monitoring/lines/{year}/53", json=body, headers=PROVINCE_ADMIN)
        assert put.status_code == 200, put.text


async def household(http, village: str = VILLAGE, headers: dict[str, str] = REGISTRAR) -> str:  # type: ignore[no-untyped-def]
    created = await http.post("/households", json={"division_code": village, "head_name": "户主"}, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["household_id"])


async def income(http, hid: str, year: int, total: str, size: int, headers: dict[str, str] = REGISTRAR):  # type: ignore[no-untyped-def]
    body = {"year": year, "total_income": total, "household_size": size}
    return await http.post(f"/households/{hid}/income-reports", json=body, headers=headers)


async def alerts_of(http, hid: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    record = await http.get(f"/monitoring/households/{hid}", headers=REGISTRAR)
    assert record.status_code == 200, record.text
    return list(record.json()["alerts"])


async def visit(http, hid: str, days_ago: int = 0) -> str:  # type: ignore[no-untyped-def]
    day = (utcnow() - timedelta(days=days_ago)).date().isoformat()
    made = await http.post(f"/monitoring/households/{hid}/visits", json={"visited_on": day, "note": "入户核实"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def case_opened(case_id: uuid.UUID, member_id: str, category: str, subject: str) -> EventEnvelope:
    now = utcnow()
    data = {
        "case_id": str(case_id),
        "member_id": member_id,
        "origin_division_code": VILLAGE,
        "category": category,
        "urgency": "high",
        "description": "住院治疗",
        "sla_tier": "day",
        "deadline": (now + timedelta(days=1)).isoformat(),
        "opened_by": "desk-1",
    }
    return EventEnvelope(
        id=new_id(), source="/kite/casework", type="kite.casework.case-opened.v1", subject=subject, time=now,
        data=data, stream_version=1,
    )  # fmt: skip


def jobs_event(name: str, data: dict[str, object], subject: str) -> EventEnvelope:
    return EventEnvelope(
        id=new_id(), source="/kite/jobs", type=f"kite.jobs.{name}.v1", subject=subject, time=utcnow(), data=data,
        stream_version=1,
    )  # fmt: skip


def placed(placement_id: uuid.UUID, member_id: str, subject: str) -> EventEnvelope:
    data = {
        "placement_id": str(placement_id),
        "posting_id": str(uuid.uuid4()),
        "employer_id": str(uuid.uuid4()),
        "member_id": member_id,
        "member_origin_division_code": VILLAGE,
        "area_division_code": COUNTY,
        "place_division_code": "530102",
        "title": "装配工",
        "start_date": (utcnow() - timedelta(days=90)).date().isoformat(),
        "wage_fen": 450_000,
        "placed_by": "station-1",
    }
    return jobs_event("member-placed", data, subject)


def ended(placement_id: uuid.UUID, subject: str) -> EventEnvelope:
    left_on = utcnow().date().isoformat()
    data = {"placement_id": str(placement_id), "left_on": left_on, "reason": "合同到期", "recorded_by": "station-1"}
    return jobs_event("placement-ended", data, subject)


async def publish(infra, prefix: str, *events: EventEnvelope, service: str = "casework") -> None:  # type: ignore[no-untyped-def]
    producer = await create_producer(infra.kafka(prefix))
    try:
        for event in events:
            key, value, headers = encode(event)
            await producer.send_and_wait(topic_for(service, prefix), value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def member_in(http, hid: str | None, seq: int, employer: str | None = None) -> str:  # type: ignore[no-untyped-def]
    first17 = f"{COUNTY}19800101{seq:03d}"
    created = await http.post(
        "/members",
        json={
            "name": f"成员{seq}",
            "id_number": first17 + check_digit(first17),
            "phone": f"139{seq:08d}",
            "origin_division_code": VILLAGE,
            "current_city": "昆明",
            "employer": employer,
        },
    )
    assert created.status_code == 201, created.text
    member_id = str(created.json()["member_id"])
    if hid is None:
        return member_id
    added = await http.post(f"/households/{hid}/members/{member_id}", json={"relation": "户主"})
    assert added.status_code == 200, added.text
    return member_id


async def test_income_below_the_line_raises_one_alert_which_a_visit_verifies_into_a_flag(roster):
    async with roster.client(headers=REGISTRAR) as http:
        await set_lines(http)
        hid = await household(http)
        fine = await household(http)
        assert (await income(http, hid, YEAR, "20000", 4)).status_code == 201  # 5,000 a person
        assert (await income(http, fine, YEAR, "40000", 4)).status_code == 201  # 10,000 a person
        alerts = await eventually(lambda: alerts_of(http, hid))
        # the same signal again (a correction of the year, still below the line) raises nothing more;
        # a later year's signal for the same household shows the consumer has read past it
        assert (await income(http, hid, YEAR, "22000", 4)).status_code == 201
        assert (await income(http, hid, YEAR + 1, "21000", 4)).status_code == 201
        both = await eventually(lambda: _with_count(alerts_of(http, hid), 2))
        assert [(a["signal"], a["year"]) for a in both] == [
            ("income-below-line", YEAR),
            ("income-below-line", YEAR + 1),
        ]
        assert alerts[0]["note"] == f"{YEAR}年人均纯收入5000元，低于监测线7500元"
        assert await alerts_of(http, fine) == []
        listed = (await http.get("/monitoring/alerts")).json()["items"]
        assert {a["household_id"] for a in listed} == {hid}

        # outside the jurisdiction the alert and the household answer as ones that do not exist
        other_list = await http.get("/monitoring/alerts", headers=OTHER_REGISTRAR)
        assert other_list.json()["items"] == []
        hidden = await http.get(f"/monitoring/households/{hid}", headers=OTHER_REGISTRAR)
        missing = await http.get(f"/monitoring/households/{uuid.uuid4()}", headers=OTHER_REGISTRAR)
        assert hidden.status_code == 404 and answer(hidden) == answer(missing)

        alert_id = alerts[0]["alert_id"]
        # flagging needs a visit that exists
        no_visit = await http.post(
            f"/monitoring/households/{hid}/risk",
            json={
                "category": "marginal",
                "reason": "收入低于监测线",
                "visit_id": str(uuid.uuid4()),
                "alert_id": alert_id,
            },
        )
        assert no_visit.status_code == 422 and no_visit.json()["type"].endswith("/visit-required")
        visit_id = await visit(http, hid)
        flagged = await http.post(
            f"/monitoring/households/{hid}/risk",
            json={"category": "marginal", "reason": "收入低于监测线", "visit_id": visit_id, "alert_id": alert_id},
        )
        assert flagged.status_code == 200, flagged.text
        record = flagged.json()
        assert record["monitored"] is True and record["category"] == "marginal"
        assert [a["status"] for a in record["alerts"]] == ["verified", "open"]
        # the household's own 防返贫 flag follows
        own = (await http.get(f"/households/{hid}")).json()
        assert own["monitored"] is True and own["monitoring_category"] == "marginal"
        # the other alert is dismissed with a reason
        dismissed = await http.post(
            f"/monitoring/households/{hid}/alerts/{both[1]['alert_id']}/dismissal",
            json={"visit_id": visit_id, "reason": "已纳入监测，同一风险"},
        )
        assert dismissed.status_code == 200 and [a["status"] for a in dismissed.json()["alerts"]] == [
            "verified",
            "dismissed",
        ]
        again = await http.post(
            f"/monitoring/households/{hid}/alerts/{alert_id}/dismissal", json={"visit_id": visit_id, "reason": "x"}
        )
        assert again.status_code == 409


async def _with_count(alerts, n: int):  # type: ignore[no-untyped-def]
    found = await alerts
    return found if len(found) >= n else None


async def test_an_income_drop_beyond_the_share_raises_an_alert(roster):
    async with roster.client(headers=REGISTRAR) as http:
        await set_lines(http)
        dropped, steady = await household(http), await household(http)
        for hid, before, after in ((dropped, "48000", "32000"), (steady, "40000", "32000")):  # −33 %, −20 %
            assert (await income(http, hid, YEAR - 1, before, 4)).status_code == 201
            assert (await income(http, hid, YEAR, after, 4)).status_code == 201
        # a later signal of the steady household shows the consumer has read past its −20 %
        assert (await income(http, steady, YEAR + 1, "20000", 4)).status_code == 201
        alerts = await eventually(lambda: alerts_of(http, dropped))
        assert [(a["signal"], a["year"]) for a in alerts] == [("income-drop", YEAR)]
        assert alerts[0]["note"] == f"{YEAR}年人均纯收入8000元，较上年12000元下降超过30%"
        steady_alerts = await eventually(lambda: alerts_of(http, steady))
        assert [(a["signal"], a["year"]) for a in steady_alerts] == [("income-below-line", YEAR + 1)]


async def test_a_serious_illness_case_raises_one_alert_however_often_it_is_delivered(roster, infra, prefix):
    async with roster.client(headers=REGISTRAR) as http:
        hid = await household(http)
        member_id = await member_in(http, hid, 1)
        case_id, sentinel = uuid.uuid4(), uuid.uuid4()
        subject = f"case-{case_id}"  # one key: the sentinel is read after both deliveries
        await publish(
            infra,
            prefix,
            case_opened(case_id, member_id, "medical", subject),
            case_opened(case_id, member_id, "medical", subject),  # the same case, another delivery
            case_opened(uuid.uuid4(), member_id, "wage_arrears", subject),  # not a risk signal
            case_opened(sentinel, member_id, "work_injury", subject),
        )
        alerts = await eventually(lambda: _with_count(alerts_of(http, hid), 2))
        assert [a["signal"] for a in alerts] == ["serious-illness", "work-injury"]


async def test_the_last_working_member_losing_the_job_raises_one_alert(roster, infra, prefix):
    async with roster.client(headers=REGISTRAR) as http:
        two_workers, employed_elsewhere, single = await household(http), await household(http), await household(http)
        first, second = await member_in(http, two_workers, 21), await member_in(http, two_workers, 22)
        leaver = await member_in(http, employed_elsewhere, 23)
        await member_in(http, employed_elsewhere, 24, employer="昭通某建筑公司")  # works, not through jobs
        loner = await member_in(http, None, 25)  # in no household
        sentinel = await member_in(http, single, 26)
        p_first, p_second, p_leaver, p_loner, p_sentinel = (uuid.uuid4() for _ in range(5))
        subject = f"placement-{p_first}"  # one key: everything is read in this order
        await publish(
            infra,
            prefix,
            placed(p_first, first, subject),
            placed(p_second, second, subject),
            placed(p_leaver, leaver, subject),
            placed(p_loner, loner, subject),
            placed(p_sentinel, sentinel, subject),
            ended(p_first, subject),  # the second member still works: no alert
            ended(p_leaver, subject),  # the other member has an employer on the roster: no alert
            ended(p_loner, subject),  # no household: nothing
            ended(p_second, subject),  # the last one working: an alert
            ended(p_second, subject),  # the same ending delivered again: nothing more
            ended(p_sentinel, subject),
            service="jobs",
        )
        await eventually(lambda: alerts_of(http, single))
        alerts = await alerts_of(http, two_workers)
        assert [(a["signal"], a["note"]) for a in alerts] == [("job-loss", "家庭最后一名务工成员离职（岗位结束）")]
        assert await alerts_of(http, employed_elsewhere) == []
        listed = (await http.get("/monitoring/alerts")).json()["items"]
        assert sorted(a["household_id"] for a in listed) == sorted([two_workers, single])


async def test_the_death_of_the_head_raises_an_alert(roster):
    async with roster.client(headers=REGISTRAR) as http:
        hid = await household(http)
        member_id = await member_in(http, hid, 2)
        gone = await http.post(f"/members/{member_id}/deregistration", json={"reason": "deceased"})
        assert gone.status_code in (200, 204), gone.text
        alerts = await eventually(lambda: alerts_of(http, hid))
        assert [a["signal"] for a in alerts] == ["main-earner-deceased"]


async def test_clearing_needs_a_visit_measures_and_income_above_the_line_and_may_be_reflagged(roster):
    async with roster.client(headers=REGISTRAR) as http:
        await set_lines(http)
        hid = await household(http)
        assert (await income(http, hid, YEAR - 1, "20000", 4)).status_code == 201
        first_visit = await visit(http, hid, days_ago=30)
        body = {"category": "sudden-hardship", "reason": "家中突发大病", "visit_id": first_visit}
        assert (await http.post(f"/monitoring/households/{hid}/risk", json=body)).status_code == 200

        def clear(visit_id: str):  # type: ignore[no-untyped-def]
            return http.post(f"/monitoring/households/{hid}/clearance", json={"visit_id": visit_id})

        # a visit that does not exist
        unknown = await clear(str(uuid.uuid4()))
        assert unknown.status_code == 422 and unknown.json()["type"].endswith("/visit-required")
        check_visit = await visit(http, hid)
        # no measure yet
        no_measure = await clear(check_visit)
        assert no_measure.status_code == 422 and no_measure.json()["type"].endswith("/measures-required")
        measure = {"kind": "medical", "giver": "县医保局", "amount_fen": 1_200_000, "started_on": str(utcnow().date())}
        assert (await http.post(f"/monitoring/households/{hid}/measures", json=measure)).status_code == 201
        # income still below the line
        below = await clear(check_visit)
        assert below.status_code == 422 and below.json()["type"].endswith("/income-below-line")
        assert "未高于监测线7500元" in below.json()["detail"]
        before = (await http.get(f"/monitoring/households/{hid}")).json()
        assert (
            before["monitored"] is True
            and before["version"] == (await http.get(f"/monitoring/households/{hid}")).json()["version"]
        )
        assert (await income(http, hid, YEAR, "36000", 4)).status_code == 201  # 9,000 a person
        cleared = await clear(check_visit)
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["monitored"] is False and cleared.json()["cleared_on"] == str(utcnow().date())
        assert (await http.get(f"/households/{hid}")).json()["monitored"] is False
        # cleared twice: nothing to clear
        assert (await clear(check_visit)).status_code == 422
        # 风险再标注
        reflag = {"category": "unstable", "reason": "再次因病返贫风险", "visit_id": check_visit}
        again = await http.post(f"/monitoring/households/{hid}/risk", json=reflag)
        assert again.status_code == 200 and again.json()["monitored"] is True


async def test_bad_income_and_bad_measures_are_refused_and_change_nothing(roster):
    async with roster.client(headers=REGISTRAR) as http:
        await set_lines(http)
        hid = await household(http)
        future = await income(http, hid, utcnow().year + 1, "1000", 1)
        negative = await income(http, hid, YEAR, "-1", 1)
        assert future.status_code == 422 and future.json()["type"].endswith("/future-year")
        assert negative.status_code == 422 and negative.json()["type"].endswith("/negative-income")
        bad_measure = await http.post(
            f"/monitoring/households/{hid}/measures",
            json={
                "kind": "housing",
                "giver": "住建局",
                "amount_fen": 100,
                "started_on": "2025-05-01",
                "ended_on": "2025-01-01",
            },
        )
        assert bad_measure.status_code == 422
        outside = await http.post(
            f"/monitoring/households/{hid}/visits", json={"visited_on": "2025-01-01"}, headers=OTHER_REGISTRAR
        )
        assert outside.status_code == 404
        future_visit = await http.post(
            f"/monitoring/households/{hid}/visits", json={"visited_on": str((utcnow() + timedelta(days=3)).date())}
        )
        assert future_visit.status_code == 422
        line_outside = await http.put(f"/monitoring/lines/{YEAR}/52", json={"line_fen": 1}, headers=PROVINCE_ADMIN)
        assert line_outside.status_code == 403
        record = (await http.get(f"/monitoring/households/{hid}")).json()
        assert record["alerts"] == [] and record["visits"] == [] and record["measures"] == []
        assert (await http.get(f"/households/{hid}")).json()["incomes"] == []
