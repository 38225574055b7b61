"""What members read: the notification each event turns into (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from kite_common.mirror.roster_members import MemberRegistered
from kite_notify.domain.labels import case_category_label
from kite_notify.domain.source_events import CaseOpened, JobMatched, parse_source_event
from kite_notify.domain.templates import format_deadline, render

MEMBER = uuid.UUID("01900000-0000-7000-8000-000000000001")
ORIGIN = "522631101001"


def test_welcome_greets_the_member_by_name_in_chinese():
    registered = MemberRegistered(
        member_id=MEMBER,
        name="张三",
        gender="male",
        birth_year=1990,
        origin_division_code=ORIGIN,
        current_city="杭州",
        registered_by="u1",
    )
    draft = render(registered)
    assert draft.member_id == MEMBER and draft.origin_division_code == ORIGIN
    assert draft.kind == "welcome"
    assert draft.title == "欢迎加入风筝家园"
    assert draft.body.startswith("张三，您好！欢迎加入风筝家园")
    assert "在杭州打拼" in draft.body


def test_case_opened_names_the_category_and_the_deadline_in_beijing_time():
    deadline = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
    event = CaseOpened(
        member_id=MEMBER,
        case_id=uuid.uuid4(),
        origin_division_code=ORIGIN,
        category="wage_arrears",
        sla_tier="day",
        deadline=deadline,
    )
    draft = render(event, "张三")
    assert draft.kind == "case-opened"
    assert draft.title == "您的诉求（欠薪）已受理"
    assert "您的诉求（欠薪）已受理，将在2024年3月1日 18:00前办结" in draft.body
    assert draft.body.startswith("张三，您好！")


def test_case_opened_for_a_member_not_yet_known_still_reads_well():
    event = CaseOpened(member_id=MEMBER, case_id=uuid.uuid4(), origin_division_code=ORIGIN, category="work_injury")
    draft = render(event, None)
    assert draft.body.startswith("您好！您的诉求（工伤）已受理，我们将尽快为您办结")
    assert "None" not in draft.body


def test_job_matched_recommends_the_job_with_its_city_and_the_skills_that_matched():
    event = JobMatched(
        member_id=MEMBER,
        posting_id=uuid.uuid4(),
        title="电子厂普工",
        city="杭州",
        matched_skills=["电工", "焊工"],
        member_origin_division_code=ORIGIN,
    )
    draft = render(event, "李四")
    assert draft.kind == "job-matched"
    assert draft.title == "为您推荐岗位：电子厂普工（杭州）"
    assert "根据您的技能（电工、焊工），为您推荐杭州的岗位“电子厂普工”" in draft.body
    assert draft.origin_division_code == ORIGIN


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("wage_arrears", "欠薪"),
        ("work_injury", "工伤"),
        ("labour_dispute", "劳动争议"),
        ("schooling", "子女就学"),
        ("left_behind_family", "留守老人儿童"),
        ("legal_aid", "法律援助"),
        ("something_new", "其他"),
    ],
)
def test_case_categories_read_in_chinese(code, label):
    assert case_category_label(code) == label


def test_deadline_crosses_midnight_into_the_next_beijing_day():
    assert format_deadline(datetime(2024, 12, 31, 17, 30, tzinfo=UTC)) == "2025年1月1日 01:30"


def test_other_event_types_make_no_notification_and_extra_fields_are_ignored():
    assert parse_source_event("kite.roster.member-moved.v1", {"member_id": str(MEMBER)}) is None
    parsed = parse_source_event(
        "kite.roster.member-registered.v1",
        {
            "member_id": str(MEMBER),
            "name": "张三",
            "origin_division_code": ORIGIN,
            "current_city": "杭州",
            "gender": "male",
            "birth_year": 1990,
            "skills": ["电工"],
            "registered_by": "u1",
            "is_party_member": True,
        },
    )
    assert isinstance(parsed, MemberRegistered) and parsed.name == "张三"


def test_a_known_type_with_a_broken_contract_is_refused():
    with pytest.raises(ValueError):
        parse_source_event("kite.casework.case-opened.v1", {"member_id": str(MEMBER)})
