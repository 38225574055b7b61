"""The broadcast composer: audience, texts in each language, a preview with the fallback shown and the
recipient count, then sent through notify with the user's token."""

from __future__ import annotations

import re

from kite_common.testing.stack import eventually

from .conftest import YONGSHAN, Console, csrf_of

TEXTS = {
    "zh-Hans-title": "返岗专车报名",
    "zh-Hans-body": "{name}您好：春节后返岗专车开始报名。<b>请留意</b>",
    "bo-title": "ལས་ཀར་ཕྱིར་ལོག",
    "bo-body": "{name} བཀྲ་ཤིས་བདེ་ལེགས།",
    "ii-title": "",
    "ii-body": "",
}


async def test_compose_preview_with_count_and_fallback_then_send(console: Console) -> None:
    await console.register_member(84, name="马学文")
    await console.register_member(85, name="马学武")
    pool = console.notify.pool
    assert pool is not None
    # notify learns of members from the roster's events
    await eventually(lambda: pool.fetchval("SELECT count(*) >= 2 FROM member_directory"), timeout=30)
    async with console.signed_in(f"{YONGSHAN}-notifier") as client:
        form = await client.get("/broadcasts/new")
        fields = {"csrf_token": csrf_of(form.text), "audience": "division", "division": YONGSHAN} | TEXTS
        preview = await client.post("/broadcasts/new", data=fields | {"step": "preview"})
        by_sms = await client.post("/broadcasts/new", data=fields | {"sms": "on", "step": "preview"})
        no_trade = await client.post("/broadcasts/new", data=fields | {"trades": "不存在的工种", "step": "preview"})
        missing = await client.post("/broadcasts/new", data=fields | {"zh-Hans-body": "", "step": "send"})
        sent = await client.post("/broadcasts/new", data=fields | {"step": "send"})
        assert sent.status_code == 303, sent.text

        async def progressed() -> str | None:
            page = await client.get(sent.headers["location"])
            return page.text if re.search(r'id="broadcast-sent">[1-9]', page.text) else None

        progress = await eventually(progressed, timeout=30, interval=0.5)
    assert 'name="division" type="text" value="530625"' in form.text  # the jurisdiction by default
    assert preview.status_code == 200
    count = int(preview.text.split('id="recipient-count">', 1)[1].split("<", 1)[0])
    assert count >= 2  # notify's count of the members registered under the county, before anything is sent
    assert 'id="sms-count">' not in preview.text  # only the inbox was chosen
    sms = int(by_sms.text.split('id="sms-count">', 1)[1].split("<", 1)[0])
    assert 0 <= sms <= count and 'name="sms" value="on"' in by_sms.text  # kept for the confirm step
    assert 'id="recipient-count">0<' in no_trade.text and "技能：不存在的工种" in no_trade.text
    assert "（收件人姓名）您好" in preview.text and "&lt;b&gt;请留意&lt;/b&gt;" in preview.text
    assert preview.text.count("无译文，收到简体中文") == 1  # ii falls back to zh-Hans; bo has its own text
    assert "བཀྲ་ཤིས་བདེ་ལེགས" in preview.text
    assert missing.status_code == 422 and 'id="e-zh-Hans-body"' in missing.text  # notify's error, by field
    assert 'value="返岗专车报名"' in missing.text  # the rest of the form kept
    assert "返岗专车报名" in progress and "ལས་ཀར་ཕྱིར་ལོག" in progress


async def test_only_a_notifier_sends_and_the_refusal_is_shown(console: Console) -> None:
    async with console.signed_in(f"{YONGSHAN}-viewer") as client:
        form = await client.get("/broadcasts/new")
        fields = {"csrf_token": csrf_of(form.text), "audience": "division", "division": YONGSHAN} | TEXTS
        refused = await client.post("/broadcasts/new", data=fields | {"step": "send"})
    assert "/broadcasts/new" not in form.text.split("<main", 1)[0]  # not in a viewer's menu
    assert refused.status_code == 403 and 'role="alert"' in refused.text
