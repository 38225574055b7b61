"""Notice templates and the values they are filled with (no I/O): checked at save, rendered strictly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from kite_common.mirror.roster_members import MemberRegistered
from kite_notify.domain.labels import case_category_label
from kite_notify.domain.languages import language_for
from kite_notify.domain.notice_values import CaseFacts, format_deadline, notice_for
from kite_notify.domain.source_events import (
    CaseAccepted,
    CaseFollowUpRecorded,
    CaseOpened,
    CaseResolved,
    JobMatched,
    parse_source_event,
)
from kite_notify.domain.templates import (
    TemplateRejected,
    TemplateText,
    check_template,
    fields_of,
    render,
    render_some,
    render_text,
)

MEMBER = uuid.UUID("01900000-0000-7000-8000-000000000001")
CASE = uuid.UUID("01900000-0000-7000-8000-0000000000c1")
ORIGIN = "522631101001"
DEADLINE = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
FACTS = CaseFacts(MEMBER, ORIGIN, "wage_arrears", "high", DEADLINE)


def test_welcome_values_carry_the_name_and_the_city():
    registered = MemberRegistered(
        member_id=MEMBER,
        name="张三",
        gender="male",
        birth_year=1990,
        origin_division_code=ORIGIN,
        current_city="杭州",
        registered_by="u1",
    )
    assert notice_for(registered, "张三", None) == ("welcome", {"name": "张三", "city": "杭州"})


def test_a_case_opened_and_a_case_accepted_are_different_notices_with_the_deadline_in_beijing_time():
    opened = CaseOpened(
        member_id=MEMBER, case_id=CASE, origin_division_code=ORIGIN, category="wage_arrears", deadline=DEADLINE
    )
    expected = {"name": "张三", "category": "欠薪", "deadline": "2024年3月1日 18:00"}
    assert notice_for(opened, "张三", FACTS) == ("case-opened", expected)
    assert notice_for(CaseAccepted(case_id=CASE), "张三", FACTS) == ("case-accepted", expected)


def test_a_resolution_names_its_outcome_and_a_follow_up_asks_only_when_the_member_was_not_reached():
    resolved = notice_for(CaseResolved(case_id=CASE, outcome="partly_resolved"), "张三", FACTS)
    assert resolved == ("case-resolved", {"name": "张三", "category": "欠薪", "outcome": "部分解决"})
    assert notice_for(CaseFollowUpRecorded(case_id=CASE, reached=True), "张三", FACTS) is None
    missed = notice_for(CaseFollowUpRecorded(case_id=CASE, reached=False), "张三", FACTS)
    assert missed is not None and missed[0] == "case-follow-up-request"


def test_job_matched_values_list_the_skills_that_matched():
    event = JobMatched(
        member_id=MEMBER,
        posting_id=uuid.uuid4(),
        title="电子厂普工",
        city="杭州",
        matched_skills=["电工", "焊工"],
        member_origin_division_code=ORIGIN,
    )
    kind, values = notice_for(event, "李四", None) or ("", {})
    assert kind == "job-matched" and values["skills"] == "电工、焊工" and values["job_title"] == "电子厂普工"


def test_a_template_is_filled_with_its_values_and_literal_braces_stay():
    text = TemplateText("您的诉求（{category}）已受理", "{name}，您好！{{编号}}将在{deadline}前办结。")
    out = render(text, {"name": "张三", "category": "欠薪", "deadline": "3月1日"})
    assert out == TemplateText("您的诉求（欠薪）已受理", "张三，您好！{编号}将在3月1日前办结。")


def test_a_notice_is_never_rendered_with_a_missing_or_empty_name():
    with pytest.raises(KeyError):
        render_text("{name}，您好！", {})
    with pytest.raises(KeyError):
        render_text("{name}，您好！", {"name": ""})


def test_a_template_using_an_undeclared_placeholder_is_refused():
    with pytest.raises(TemplateRejected, match="未声明的占位符：deadline"):
        check_template("case-opened", ["name"], TemplateText("t", "{name}，{deadline}"))


def test_a_template_declaring_a_placeholder_its_kind_cannot_fill_is_refused():
    with pytest.raises(TemplateRejected, match="没有占位符：salary"):
        check_template("welcome", ["name", "salary"], TemplateText("t", "{name}{salary}"))


@pytest.mark.parametrize(
    "body",
    [
        "{name.__class__}",  # attribute access
        "{name[0]}",  # indexing
        "{name!r}",  # conversion
        "{name:>10}",  # format spec
        "{0}",  # positional
        "{}",  # empty
        "{name",  # unbalanced
        "name}",
    ],
)
def test_anything_but_a_plain_placeholder_is_refused_so_no_template_reaches_into_objects(body):
    with pytest.raises(TemplateRejected):
        check_template("welcome", ["name"], TemplateText("t", body))


def test_an_unknown_kind_is_refused():
    with pytest.raises(TemplateRejected, match="没有 payday 这种消息类型"):
        check_template("payday", [], TemplateText("t", "b"))


@pytest.mark.parametrize(
    ("spoken", "language"),
    [
        (["藏语", "普通话"], "bo"),
        (["彝语"], "ii"),
        (["普通话", "彝语"], "zh-Hans"),  # the best-spoken first
        (["苗语", "彝语"], "ii"),  # a language notify does not write in is passed over
        ([], "zh-Hans"),
        (None, "zh-Hans"),
    ],
)
def test_the_notice_language_is_the_first_of_the_members_languages_notify_writes(spoken, language):
    assert language_for(spoken) == language


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
        "kite.casework.case-accepted.v1",
        {"case_id": str(CASE), "accepted_by": "caseworker-1", "accepted_at": "2024-03-01T10:00:00Z"},
    )
    assert isinstance(parsed, CaseAccepted) and parsed.case_id == CASE


def test_a_known_type_with_a_broken_contract_is_refused():
    with pytest.raises(ValueError):
        parse_source_event("kite.casework.case-opened.v1", {"member_id": str(MEMBER)})


def test_a_partial_render_fills_what_it_knows_and_leaves_the_rest_a_template() -> None:
    text = "{name}同志：{organisation}召开会议，主题：{topic}（{{请勿回复}}）"
    rendered = render_some(text, {"organisation": "德凤镇支部", "topic": "学习{党章}"})
    assert rendered == "{name}同志：德凤镇支部召开会议，主题：学习{{党章}}（{{请勿回复}}）"
    # The result is a broadcast text: only {name} is left for each member.
    assert fields_of(rendered, "body") == ["name"]
    assert render_text(rendered, {"name": "杨春"}) == "杨春同志：德凤镇支部召开会议，主题：学习{党章}（{请勿回复}）"
