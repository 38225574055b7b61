"""Templates per place: province staff edit the province defaults; a county edits only its own
overrides, which its members' notices then use; another county's overrides look like none."""

from __future__ import annotations

from kite_common.ids import new_id
from kite_common.testing.stack import answer, auth

from .test_inbox_api import inbox_of

PROVINCE = auth(["notifier"], "52", subject="province-1")
LIPING = auth(["notifier"], "522631", subject="liping-1")  # 黎平县
CONGJIANG = auth(["notifier"], "522633", subject="congjiang-1")  # 从江县
LOCAL_WELCOME = {
    "title": "黎平欢迎您",
    "body": "{name}，您好！黎平县人社局欢迎您加入风筝家园。",
    "placeholders": ["name"],
}


async def test_a_county_edits_its_own_overrides_only_and_its_members_read_them(notify, publish, make):
    async with notify.client(headers=LIPING) as http:
        default = await http.put("/templates/welcome/in_app/zh-Hans", json=LOCAL_WELCOME)
        assert default.status_code == 403
        assert default.json()["detail"].startswith("省级默认模板只能由省级工作人员修改")
        mine = await http.put("/templates/welcome/in_app/zh-Hans?division_code=522631", json=LOCAL_WELCOME)
        assert mine.status_code == 200, mine.text
        assert (mine.json()["division_code"], mine.json()["version"]) == ("522631", 1)
        theirs = await http.put("/templates/welcome/in_app/zh-Hans?division_code=522633", json=LOCAL_WELCOME)
        assert theirs.status_code == 404
        bad = await http.put("/templates/welcome/in_app/zh-Hans?division_code=52263x", json=LOCAL_WELCOME)
        assert bad.status_code == 422 and bad.json()["detail"] == "区划代码应为 4、6、9 或 12 位数字"
        listed = (await http.get("/templates")).json()["items"]
        assert {t["division_code"] for t in listed} == {"", "522631"}
        preview = (await http.post("/templates/welcome/in_app/zh-Hans/preview", json={})).json()
        assert (preview["title"], preview["division_code"]) == ("黎平欢迎您", "522631")
    async with notify.client(headers=PROVINCE) as http:
        saved = await http.put(
            "/templates/welcome/in_app/zh-Hans",
            json={"title": "欢迎加入风筝家园", "body": "{name}，您好！欢迎加入。", "placeholders": ["name"]},
        )
        assert saved.status_code == 200 and saved.json()["version"] == 2
        # The province sees every county's overrides in its jurisdiction.
        versions = await http.get("/templates/welcome/in_app/zh-Hans?division_code=522631")
        assert [v["title"] for v in versions.json()["items"]] == ["黎平欢迎您"]

    # Another county's override answers exactly as an override nobody wrote.
    async with notify.client(headers=CONGJIANG) as http:
        hidden = await http.get("/templates/welcome/in_app/zh-Hans?division_code=522631")
        none = await http.get("/templates/welcome/in_app/zh-Hans?division_code=522633")
        assert hidden.status_code == 404 and answer(hidden) == answer(none)
        assert {t["division_code"] for t in (await http.get("/templates")).json()["items"]} == {""}
        shown = (await http.post("/templates/welcome/in_app/zh-Hans/preview?division_code=522631", json={})).json()
        assert shown["title"] == "欢迎加入风筝家园"  # not Liping's: their view stays their own

    liping_member, congjiang_member = new_id(), new_id()
    await publish(
        make.member_registered(liping_member, name="吴敏", origin="522631101001"),
        make.member_registered(congjiang_member, name="梁英", origin="522633101001"),
    )
    assert (await inbox_of(notify, liping_member, 1))["items"][0][
        "body"
    ] == "吴敏，您好！黎平县人社局欢迎您加入风筝家园。"
    assert (await inbox_of(notify, congjiang_member, 1))["items"][0]["body"] == "梁英，您好！欢迎加入。"
    events = await notify.pool.fetch(
        """SELECT data->>'division_code' AS scope FROM events
           WHERE type = 'kite.notify.template-saved.v1' ORDER BY position"""
    )
    assert [e["scope"] for e in events] == ["522631", ""]
