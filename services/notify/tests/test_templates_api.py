"""Templates over real HTTP and a real database: versioned per kind, channel and language, checked when
saved, previewed, and used for the member's language with Chinese where a translation is missing."""

from __future__ import annotations

from kite_common.ids import new_id
from kite_common.testing.stack import auth

from .test_inbox_api import inbox_of

EDITOR = auth(["notifier"], "52")  # province staff: the defaults are theirs
TIBETAN_WELCOME = {"title": "བཀྲ་ཤིས་བདེ་ལེགས།", "body": "{name} བཀྲ་ཤིས་བདེ་ལེགས།", "placeholders": ["name"]}


async def _saved_events(notify) -> int:
    return await notify.pool.fetchval("SELECT count(*) FROM events WHERE type = 'kite.notify.template-saved.v1'")


async def test_a_saved_translation_is_versioned_and_used_for_members_who_read_that_language(notify, publish, make):
    async with notify.client(headers=EDITOR) as http:
        first = await http.put("/templates/welcome/in_app/bo", json=TIBETAN_WELCOME)
        assert first.status_code == 200, first.text
        assert (first.json()["version"], first.json()["saved_by"]) == (1, "tester")
        second = await http.put(
            "/templates/welcome/in_app/bo", json={**TIBETAN_WELCOME, "body": "{name} ལགས། བཀྲ་ཤིས་བདེ་ལེགས།"}
        )
        assert second.json()["version"] == 2
        versions = (await http.get("/templates/welcome/in_app/bo")).json()["items"]
        assert [v["version"] for v in versions] == [2, 1]
        in_use = {(t["kind"], t["language"]): t for t in (await http.get("/templates")).json()["items"]}
        assert in_use[("welcome", "bo")]["version"] == 2
        assert in_use[("case-opened", "zh-Hans")]["title"] == "您的诉求（{category}）已提交，待受理"  # seeded
    assert await _saved_events(notify) == 2

    member = new_id()
    await publish(make.member_registered(member, name="卓玛", languages=["藏语"]))
    items = (await inbox_of(notify, member, 1))["items"]
    assert items[0]["body"] == "卓玛 ལགས། བཀྲ་ཤིས་བདེ་ལེགས།"


async def test_a_template_with_an_undeclared_or_unknown_placeholder_is_refused_and_nothing_changes(notify):
    async with notify.client(headers=EDITOR) as http:
        before = (await http.get("/templates/case-accepted/in_app/zh-Hans")).json()["items"]
        undeclared = await http.put(
            "/templates/case-accepted/in_app/zh-Hans",
            json={"title": "已受理", "body": "{name}，您好！将在{deadline}前办结。", "placeholders": ["name"]},
        )
        assert undeclared.status_code == 422
        assert undeclared.json()["detail"] == "模板使用了未声明的占位符：deadline"
        assert undeclared.json()["errors"][0]["field"] == "body"
        unknown = await http.put(
            "/templates/case-accepted/in_app/zh-Hans",
            json={"title": "已受理", "body": "{name}{salary}", "placeholders": ["name", "salary"]},
        )
        assert unknown.status_code == 422 and "没有占位符：salary" in unknown.json()["detail"]
        code = await http.put(
            "/templates/welcome/in_app/zh-Hans",
            json={"title": "t", "body": "{name.__class__.__mro__}", "placeholders": ["name"]},
        )
        assert code.status_code == 422 and "写法无效" in code.json()["detail"]
        assert (await http.get("/templates/case-accepted/in_app/zh-Hans")).json()["items"] == before
    assert await _saved_events(notify) == 0


async def test_an_unknown_language_kind_or_channel_is_a_clear_problem(notify):
    body = {"title": "t", "body": "{name}", "placeholders": ["name"]}
    async with notify.client(headers=EDITOR) as http:
        language = await http.put("/templates/welcome/in_app/ug", json=body)
        assert language.status_code == 422
        assert language.json()["type"].endswith("/unknown-language")
        assert language.json()["detail"].startswith(
            "不支持的语言 ug（可选：zh-Hans（简体中文）、bo（藏文）、ii（彝文）"
        )
        kind = await http.put("/templates/payday/in_app/zh-Hans", json=body)
        assert kind.status_code == 422 and kind.json()["detail"].startswith("没有 payday 这种消息类型")
        channel = await http.put("/templates/welcome/fax/zh-Hans", json=body)
        assert channel.status_code == 422 and channel.json()["detail"].startswith("没有 fax 这种渠道")
        missing = await http.get("/templates/welcome/sms/bo")
        assert missing.status_code == 404
    assert await _saved_events(notify) == 0


async def test_a_preview_falls_back_to_chinese_and_shows_a_draft_without_saving_it(notify):
    async with notify.client(headers=auth(["viewer"], "522631")) as http:
        yi = await http.post("/templates/case-accepted/sms/ii/preview", json={"values": {"name": "阿呷"}})
        assert yi.status_code == 200, yi.text
        shown = yi.json()
        assert (shown["language"], shown["channel"], shown["version"]) == ("zh-Hans", "in_app", 1)
        assert shown["title"] == "您的诉求（欠薪）已受理"
        assert shown["body"].startswith("阿呷，您好！您的诉求（欠薪）已受理")

        draft = {
            "title": "证明已办好",
            "body": "{name}：{office}的“{title}”已出具。",
            "placeholders": ["name", "office", "title"],
        }
        made = await http.post("/templates/certificate-issued/in_app/zh-Hans/preview", json=draft)
        assert made.json() == {
            "title": "证明已办好",
            "body": "张三：黎平县人力资源和社会保障局的“务工证明”已出具。",
            "language": "zh-Hans",
            "channel": "in_app",
            "version": None,
            "division_code": "",
        }
        bad = await http.post(
            "/templates/certificate-issued/in_app/zh-Hans/preview",
            json={"title": "t", "body": "{name}{office}", "placeholders": ["name"]},
        )
        assert bad.status_code == 422 and bad.json()["detail"] == "模板使用了未声明的占位符：office"
        half = await http.post("/templates/welcome/in_app/zh-Hans/preview", json={"title": "只有标题"})
        assert half.status_code == 422
        # a viewer may look but not write
        assert (await http.put("/templates/welcome/in_app/bo", json=TIBETAN_WELCOME)).status_code == 403
    async with notify.client(headers=auth(["member"])) as http:
        assert (await http.put("/templates/welcome/in_app/bo", json=TIBETAN_WELCOME)).status_code == 403
    assert await _saved_events(notify) == 0
