"""A case's notices over real Kafka: each step of the case is told in words that match its state, and
no notice goes out without the member's name, whatever order the events arrive in."""

from __future__ import annotations

from kite_common.ids import new_id
from kite_common.testing.stack import eventually

from .test_inbox_api import inbox_of


async def _handled(notify, count: int) -> None:
    """Every event published so far has been handled (the consumer's inbox records each)."""
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) >= $1 FROM inbox", count), timeout=30)


async def test_every_step_of_a_case_tells_the_member_in_words_that_match_its_state(notify, publish, make):
    member, case = new_id(), new_id()
    await publish(make.member_registered(member, name="王芳"))
    await inbox_of(notify, member, 1)
    await publish(
        make.case_opened(member, case_id=case),
        make.case_step(case, "case-accepted", 2),
        make.case_step(case, "case-transfer-accepted", 3),
        make.case_step(case, "case-resolved", 4, outcome="partly_resolved"),
        make.case_step(case, "case-follow-up-recorded", 5, reached=True),  # reached: nothing to ask
        make.case_step(case, "case-follow-up-recorded", 6, reached=False, attempt=2),
        make.certificate_issued(member),
    )
    items = (await inbox_of(notify, member, 7))["items"]
    await _handled(notify, 8)
    by_kind = {i["kind"]: i for i in items}
    assert sorted(by_kind) == sorted(
        [
            "welcome",
            "case-opened",
            "case-accepted",
            "case-transferred",
            "case-resolved",
            "case-follow-up-request",
            "certificate-issued",
        ]
    )
    assert by_kind["case-opened"]["title"] == "您的诉求（欠薪）已提交，待受理"
    assert "已受理" not in by_kind["case-opened"]["body"]
    assert by_kind["case-accepted"]["title"] == "您的诉求（欠薪）已受理"
    assert "办结结果：部分解决" in by_kind["case-resolved"]["body"].replace("办理结果", "办结结果")
    assert by_kind["certificate-issued"]["body"] == "王芳，您好！黎平县人社局已为您出具电子证明“务工证明”。"
    assert all(i["body"].startswith("王芳，您好！") for i in items)


async def test_notices_that_arrive_before_the_member_wait_for_the_name_and_then_go_out(notify, publish, make):
    member, case = new_id(), new_id()
    # casework and jobs are heard from before roster: the member is not known yet.
    await publish(make.case_opened(member, case_id=case), make.case_step(case, "case-accepted", 2))
    await publish(make.job_matched(member))
    await _handled(notify, 3)
    held = await notify.pool.fetch(
        "SELECT data->>'waiting_for' AS w FROM events WHERE type = 'kite.notify.notification-held.v1'"
    )
    assert [r["w"] for r in held] == ["member"] * 3
    assert await notify.pool.fetchval("SELECT count(*) FROM member_inbox") == 0  # nothing nameless went out

    await publish(make.member_registered(member, name="李娜"))
    items = (await inbox_of(notify, member, 4))["items"]
    assert sorted(i["kind"] for i in items) == ["case-accepted", "case-opened", "job-matched", "welcome"]
    assert all(i["body"].startswith("李娜，您好！") for i in items)
    assert await notify.pool.fetchval("SELECT count(*) FROM waiting_notifications") == 0


async def test_a_case_step_that_arrives_before_the_case_waits_for_it(notify, publish, make):
    member, case = new_id(), new_id()
    await publish(make.member_registered(member, name="王芳"))
    await inbox_of(notify, member, 1)
    # Topics are ordered per key only: here the acceptance is read before the opening.
    await publish(make.case_step(case, "case-accepted", 2))
    await _handled(notify, 2)
    assert await notify.pool.fetchval("SELECT waiting_for FROM waiting_notifications") == "case"

    await publish(make.case_opened(member, case_id=case))
    items = (await inbox_of(notify, member, 3))["items"]
    titles = sorted(i["title"] for i in items)
    assert titles == sorted(["欢迎加入风筝家园", "您的诉求（欠薪）已提交，待受理", "您的诉求（欠薪）已受理"])


async def test_a_notice_is_written_in_the_members_language_and_in_chinese_where_no_translation_exists(
    notify, publish, make
):
    tibetan = new_id()
    await notify.pool.execute(
        """INSERT INTO notification_templates (kind, channel, language, version, title, body, placeholders, saved_by)
           VALUES ('welcome', 'in_app', 'bo', 1, 'བཀྲ་ཤིས་བདེ་ལེགས།', '{name} བཀྲ་ཤིས་བདེ་ལེགས།', '{name}', 'test')"""
    )
    await publish(make.member_registered(tibetan, name="扎西", languages=["藏语", "普通话"]))
    await publish(make.job_matched(tibetan))
    items = (await inbox_of(notify, tibetan, 2))["items"]
    by_kind = {i["kind"]: i for i in items}
    assert by_kind["welcome"]["body"] == "扎西 བཀྲ་ཤིས་བདེ་ལེགས།"
    assert by_kind["job-matched"]["body"].startswith("扎西，您好！")  # no Tibetan job notice yet: Chinese
    languages = await notify.pool.fetch(
        """SELECT data->>'kind' AS k, data->>'language' AS l FROM events
           WHERE type = 'kite.notify.notification-created.v2'"""
    )
    assert {r["k"]: r["l"] for r in languages} == {"welcome": "bo", "job-matched": "zh-Hans"}
