"""The notices of jobs' and roster's party events over real Kafka: a fair invitation, a training
enrolment, a retention follow-up due, dues received, a missed org-life session (to each absentee),
each in the member's language with Chinese where no verified translation exists; and a member who
lost contact, told to their branch secretary in the branch's group through its robot."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.testing.stack import auth, eventually, running
from kite_notify.service import SERVICE

from . import providers
from .conftest import _event
from .test_inbox_api import inbox_of

CLERK = auth(["notifier"], "522631", subject="clerk-1")
PROVINCE = auth(["notifier"], "52", subject="province-1")


def fair_organised(fair_id, held_on: date) -> Any:
    data = {
        "fair_id": str(fair_id),
        "title": "春风行动专场招聘会",
        "organisers": ["黎平县人社局"],
        "held_on": held_on.isoformat(),
        "area_division_code": "522631",
        "place_division_code": "522631101001",
        "online": False,
        "organised_by": "clerk-1",
    }
    return _event("jobs", "fair-organised", f"fair-{fair_id}", data)


def fair_registered(fair_id, member_id, invited: bool, version: int) -> Any:
    data = {
        "fair_id": str(fair_id),
        "member_id": str(member_id),
        "member_origin_division_code": "522631101001",
        "invited": invited,
        "registered_by": "clerk-1",
    }
    return _event("jobs", "fair-registered", f"fair-{fair_id}", data, version)


def course_opened(course_id, starts_on: date) -> Any:
    data = {
        "course_id": str(course_id),
        "title": "电工技能培训班",
        "trade": "电工",
        "provider": "黎平县职校",
        "place_division_code": "522631101001",
        "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + timedelta(days=20)).isoformat(),
        "capacity": 40,
        "subsidy_fen": 150000,
        "certificate": None,
        "area_division_code": "522631",
        "opened_by": "clerk-1",
    }
    return _event("jobs", "course-opened", f"course-{course_id}", data)


def course_enrolled(course_id, member_id) -> Any:
    data = {
        "course_id": str(course_id),
        "member_id": str(member_id),
        "member_origin_division_code": "522631101001",
        "enrolled_by": "clerk-1",
    }
    return _event("jobs", "course-enrolled", f"course-{course_id}", data, 2)


def follow_up_due(member_id, due_on: date) -> Any:
    placement_id = new_id()
    data = {
        "placement_id": str(placement_id),
        "member_id": str(member_id),
        "month": 3,
        "due_on": due_on.isoformat(),
        "member_origin_division_code": "522631101001",
    }
    return _event("jobs", "placement-follow-up-due", f"placement-{placement_id}", data, 2)


def dues_paid(member_id, month: str, fen: int, correction: bool = False) -> Any:
    data = {
        "member_id": str(member_id),
        "month": month,
        "amount_fen": fen,
        "paid_on": "2025-03-05",
        "correction": correction,
        "note": None,
        "recorded_by": "party-1",
    }
    return _event("roster", "dues-paid", f"member-{member_id}", data, 3)


def session_held(organisation_id, attendance: dict) -> Any:
    session_id = new_id()
    data = {
        "session_id": str(session_id),
        "organisation_id": str(organisation_id),
        "kind": "branch-general-meeting",
        "mode": "in-person",
        "held_on": "2025-03-08",
        "topic": "学习贯彻全会精神",
        "attendance": [{"member_id": str(m), "status": s, "reason": None} for m, s in attendance.items()],
        "recorded_by": "party-1",
    }
    return _event("roster", "org-life-session-held", f"organisation-{organisation_id}", data, 5)


def contact_lost(member_id) -> Any:
    data = {
        "member_id": str(member_id),
        "last_contact_at": "2025-01-05T02:00:00+00:00",
        "quiet_days": 60,
        "detected_at": utcnow().isoformat(),
    }
    return _event("roster", "member-contact-lost", f"member-{member_id}", data, 4)


async def test_jobs_and_party_events_tell_the_member_in_their_language_with_chinese_fallback(notify, publish, make):
    zhuoma, wang, absent_one = new_id(), new_id(), new_id()
    fair, course, branch = new_id(), new_id(), new_id()
    tibetan_fair = {
        "title": "བཀྲ་ཤིས། {fair_title}",
        "body": "{name} {held_on}",
        "placeholders": ["name", "fair_title", "held_on"],
    }
    async with notify.client(headers=PROVINCE) as http:  # a verified translation, supplied by an office
        assert (await http.put("/templates/fair-invitation/in_app/bo", json=tibetan_fair)).status_code == 200
    await publish(
        make.member_registered(zhuoma, name="卓玛", languages=["藏语"]),
        make.member_registered(wang, name="王芳"),
        make.member_registered(absent_one, name="杨春", languages=["彝语"]),
    )
    held_on = date(2025, 3, 8)
    await publish(
        fair_organised(fair, held_on),
        fair_registered(fair, zhuoma, invited=True, version=2),
        fair_registered(fair, wang, invited=True, version=3),
        fair_registered(fair, absent_one, invited=False, version=4),  # signed up themselves: no invitation
        course_opened(course, date(2025, 3, 15)),
        course_enrolled(course, wang),
        follow_up_due(wang, date(2025, 4, 1)),
        dues_paid(wang, "2025-03", 5000),
        dues_paid(wang, "2025-03", 6000, correction=True),  # a correction: no second notice
        session_held(branch, {wang: "present", absent_one: "absent", zhuoma: "absent"}),
    )
    wang_items = {i["kind"]: i for i in (await inbox_of(notify, wang, 5))["items"]}
    assert wang_items["fair-invitation"]["title"] == "邀请您参加春风行动专场招聘会"
    assert "2025年3月8日举办的春风行动专场招聘会（线下）" in wang_items["fair-invitation"]["body"]
    assert wang_items["training-enrolment"]["body"].startswith(
        "王芳，您好！您已报名电工技能培训班（电工），将于2025年3月15日开班"
    )
    assert (
        "就业已满3个月" in wang_items["follow-up-due"]["body"] and "2025年4月1日" in wang_items["follow-up-due"]["body"]
    )
    assert wang_items["dues-paid"]["body"] == "王芳同志，您好！您2025年3月的党费50.00元已收到，感谢您按时足额缴纳。"
    assert "org-life-missed" not in wang_items  # present

    zhuoma_items = {i["kind"]: i for i in (await inbox_of(notify, zhuoma, 3))["items"]}
    assert zhuoma_items["fair-invitation"]["title"] == "བཀྲ་ཤིས། 春风行动专场招聘会"  # the Tibetan template
    assert zhuoma_items["org-life-missed"]["title"] == "组织生活补课提醒：支部党员大会"  # no bo version: Chinese

    yang_items = {i["kind"]: i for i in (await inbox_of(notify, absent_one, 2))["items"]}
    assert sorted(yang_items) == ["org-life-missed", "welcome"]  # no invitation; Yi falls back to Chinese
    assert "主题为“学习贯彻全会精神”，您未能参加" in yang_items["org-life-missed"]["body"]
    dues = await notify.pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'dues-paid'")
    assert dues == 1


@pytest.fixture
async def robot_notify(infra, prefix, monkeypatch, webhook_settings):
    async with providers.robots() as stand_in:
        monkeypatch.setenv("KITE_NOTIFY_ROBOT_PER_SECOND", "100")
        async with running(infra, SERVICE, prefix) as svc:
            yield svc, stand_in


async def test_a_member_who_lost_contact_is_reported_to_the_branch_secretary_in_the_branch_group(
    robot_notify, publish, make
):
    svc, stand_in = robot_notify
    member, branch, other_branch = new_id(), new_id(), new_id()
    organisation = make.organisation_registered(branch, "522631101001")
    organisation.data["contacts"] = [{"contact_id": str(new_id()), "name": "李明", "role": "支部书记"}]
    await publish(
        organisation,
        make.organisation_registered(other_branch, "522631101001"),
        make.member_registered(member, name="杨春"),
        make.membership_joined(member, branch),
    )
    await eventually(
        lambda: svc.pool.fetchval("SELECT count(*) = 1 FROM org_memberships WHERE member_id = $1", member), timeout=30
    )
    async with svc.client(headers=CLERK) as http:
        body = {"provider": "wecom", "name": "支部委员群", "webhook_url": stand_in.address("wecom")}
        robot = await http.post("/robots", json={**body, "organisation_id": str(branch)})
        assert robot.status_code == 201, robot.text
        other = await http.post("/robots", json={**body, "organisation_id": str(other_branch)})
        assert other.status_code == 201
    lost = contact_lost(member)
    await publish(lost, lost)  # delivered twice: posted once
    handled = "SELECT count(*) = 1 FROM inbox WHERE consumer = 'notify.notifications' AND event_id = $1"
    await eventually(lambda: svc.pool.fetchval(handled, str(lost.id)), timeout=30)
    await eventually(
        lambda: svc.pool.fetchval(
            "SELECT count(*) = 1 FROM delivery_status WHERE channel = 'robot' AND status = 'delivered'"
        ),
        timeout=30,
    )
    assert stand_in.accepted == [
        (
            "wecom",
            "党员失联提醒：杨春\n李明同志：支部党员杨春已60天未能联系上（最后联系：2025年1月5日）。"
            "请通过家属、同乡、用工单位等渠道尽快联系，联系上后请在系统中登记。",
        )
    ]
    status = await svc.pool.fetchrow("SELECT status FROM delivery_status WHERE channel = 'robot'")
    assert status["status"] == "delivered"
