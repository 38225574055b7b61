"""Email and SMS over real protocols, with GOV.UK Notify's delivery states: a real SMTP server that
requires STARTTLS, an Aliyun SMS stand-in that checks the real signature, the real service over HTTP
with its database and broker."""

from __future__ import annotations

import json

from kite_common.ids import new_id
from kite_common.testing.stack import answer, auth, eventually, running
from kite_notify.service import SERVICE

from . import providers
from .providers import MAX_ATTEMPTS, RECEIPT_TOKEN, REFUSED_NUMBER
from .test_broadcast_audiences import _member

SENDER = auth(["notifier"], "522631", subject="clerk-1")
ACCEPTED = {"kind": "case-accepted", "personalisation": {"name": "王芳", "category": "欠薪", "deadline": "3月1日"}}


async def _final(svc, notification_id: str, channel: str) -> dict | None:
    async with svc.client(headers=SENDER) as http:
        status = (await http.get(f"/notifications/{notification_id}")).json()
    found = [d for d in status["deliveries"] if d["channel"] == channel and d["status"] != "created"]
    return found[0] if found else None


async def test_an_sms_is_signed_sent_once_per_reference_and_stays_encrypted(channels):
    svc, _, provider = channels
    body = {**ACCEPTED, "phone_number": "13812345678", "reference": "case-0042-accepted"}
    async with svc.client(headers=SENDER) as http:
        first = await http.post("/notifications/sms", json=body)
        again = await http.post("/notifications/sms", json=body)
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.json() == first.json()  # the same reference: the same message
    sent = first.json()
    assert sent["recipient"] == "138****5678"
    delivery = await eventually(lambda: _final(svc, sent["notification_id"], "sms"), timeout=30)
    assert (delivery["status"], delivery["attempts"], delivery["provider_reference"]) == ("sending", 1, "000001^0")

    assert len(provider.accepted) == 1
    got = provider.accepted[0]
    assert (got["PhoneNumbers"], got["TemplateCode"], got["SignName"]) == ("13812345678", "SMS_465900001", "风筝家园")
    assert json.loads(got["TemplateParam"]) == {"name": "王芳", "category": "欠薪", "deadline": "3月1日"}
    assert got["OutId"] == sent["notification_id"]

    async with svc.client(headers=SENDER) as http:
        history = (await http.get(f"/notifications/{sent['notification_id']}/history")).json()["items"]
    assert [h["type"] for h in history] == [
        "kite.notify.message-requested.v1",
        "kite.notify.delivery-status-changed.v1",
    ]
    assert history[0]["data"]["title"] == "您的诉求（欠薪）已受理"
    # The number is in no event and is stored only encrypted.
    assert await svc.pool.fetchval("SELECT count(*) FROM events WHERE data::text LIKE '%13812345678%'") == 0


async def test_an_email_goes_over_starttls_in_chinese_and_is_delivered(channels):
    svc, mailbox, _ = channels
    async with svc.client(headers=SENDER) as http:
        sent = await http.post("/notifications/email", json={**ACCEPTED, "email_address": "wangfang@example.cn"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipient"] == "w***@example.cn"
    delivery = await eventually(lambda: _final(svc, sent.json()["notification_id"], "email"), timeout=30)
    assert delivery["status"] == "delivered"
    [(message, over_tls, recipients)] = mailbox.messages
    assert over_tls and recipients == ["wangfang@example.cn"]
    assert message["Subject"] == "您的诉求（欠薪）已受理"
    assert message["From"] == "noreply@kite.test"
    assert message.get_content().startswith("王芳，您好！您的诉求（欠薪）已受理")


async def test_a_refused_number_fails_permanently_at_once_and_a_provider_that_is_down_technically_after_retries(
    channels,
):
    svc, _, provider = channels
    async with svc.client(headers=SENDER) as http:
        refused = (await http.post("/notifications/sms", json={**ACCEPTED, "phone_number": REFUSED_NUMBER})).json()
    delivery = await eventually(lambda: _final(svc, refused["notification_id"], "sms"), timeout=30)
    assert (delivery["status"], delivery["attempts"]) == ("permanent-failure", 1)
    assert delivery["detail"].startswith("isv.MOBILE_NUMBER_ILLEGAL")

    provider.unavailable = True
    provider.requests.clear()
    async with svc.client(headers=SENDER) as http:
        down = (await http.post("/notifications/sms", json={**ACCEPTED, "phone_number": "13912345678"})).json()
    delivery = await eventually(lambda: _final(svc, down["notification_id"], "sms"), timeout=30)
    assert (delivery["status"], delivery["attempts"]) == ("technical-failure", MAX_ATTEMPTS)
    assert len(provider.requests) == MAX_ATTEMPTS
    assert await svc.pool.fetchval("SELECT count(*) FROM outbound_deliveries") == 0


async def test_bad_sends_are_refused_in_chinese_and_nothing_is_queued(notify):
    async with notify.client(headers=SENDER) as http:
        cases = [
            ("/notifications/sms", {**ACCEPTED, "phone_number": "12345"}, "手机号格式不正确"),
            ("/notifications/email", {**ACCEPTED, "email_address": "not-an-address"}, "电子邮件地址格式不正确"),
            ("/notifications/sms", {**ACCEPTED, "phone_number": "13812345678", "language": "ug"}, "不支持的语言 ug"),
            (
                "/notifications/sms",
                {"kind": "case-accepted", "personalisation": {"name": "王芳"}, "phone_number": "13812345678"},
                "缺少占位符的值：category、deadline",
            ),
        ]
        for path, body, detail in cases:
            response = await http.post(path, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["detail"].startswith(detail), response.json()
        viewer = await http.post(
            "/notifications/sms", json={**ACCEPTED, "phone_number": "13812345678"}, headers=auth(["viewer"], "522631")
        )
        assert viewer.status_code == 403
    assert await notify.pool.fetchval("SELECT count(*) FROM outbound_deliveries") == 0
    assert await notify.pool.fetchval("SELECT count(*) FROM events WHERE type LIKE 'kite.notify.message%'") == 0


async def test_a_notifications_status_is_seen_only_inside_the_jurisdiction_or_by_its_member(notify, publish, make):
    member = new_id()
    await publish(make.member_registered(member))
    await eventually(lambda: notify.pool.fetchval("SELECT notification_id FROM notifications"))
    nid = await notify.pool.fetchval("SELECT notification_id FROM notifications")
    path = f"/notifications/{nid}"
    async with notify.client() as http:
        inside = await http.get(path, headers=auth(["viewer"], make.county))
        assert inside.status_code == 200
        assert [(d["channel"], d["status"]) for d in inside.json()["deliveries"]] == [("in_app", "delivered")]
        own = await http.get(path, headers=auth(["member"], subject=str(member)))
        assert own.status_code == 200
        outside = await http.get(path, headers=auth(["viewer"], "520102"))
        unknown = await http.get(f"/notifications/{new_id()}", headers=auth(["viewer"], "520102"))
        assert outside.status_code == 404 and answer(outside) == answer(unknown)
        assert (await http.get(path, headers=auth(["member"], subject=str(new_id())))).status_code == 403


def _report(out_id: str, biz_id: str, success: bool = True) -> dict:
    """One SmsReport as Aliyun pushes it."""
    return {
        "phone_number": "13812345678",
        "send_time": "2025-03-01 10:00:00",
        "report_time": "2025-03-01 10:00:05",
        "success": success,
        "err_code": "DELIVERED" if success else "IC:0015",
        "err_msg": "用户接收成功" if success else "用户关机",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": out_id,
    }


async def test_the_providers_receipt_marks_the_sms_delivered_and_a_forged_or_unknown_one_changes_nothing(channels):
    svc, _, _ = channels
    async with svc.client(headers=SENDER) as http:
        sent = (await http.post("/notifications/sms", json={**ACCEPTED, "phone_number": "13812345678"})).json()
    nid = sent["notification_id"]
    sending = await eventually(lambda: _final(svc, nid, "sms"), timeout=30)
    assert sending["status"] == "sending"
    biz_id = sending["provider_reference"]

    async with svc.client() as http:  # no Kite token: the provider pushes to a public route
        forged = await http.post("/receipts/aliyun-sms", params={"token": "guess"}, json=[_report(nid, biz_id)])
        assert forged.status_code == 401 and forged.json()["detail"] == "回执令牌无效"
        ok = {"token": RECEIPT_TOKEN}
        for out_id, biz in ((str(new_id()), biz_id), (nid, "someone-elses^0"), ("not-an-id", biz_id)):
            unknown = await http.post(
                "/receipts/aliyun-sms", params=ok, json=[_report(nid, biz_id), _report(out_id, biz)]
            )
            assert unknown.status_code == 404, unknown.text
            assert unknown.json()["detail"].startswith("回执对应的短信不存在")
        assert (await _final(svc, nid, "sms"))["status"] == "sending"  # the whole batch was refused

        taken = await http.post("/receipts/aliyun-sms", params=ok, json=[_report(nid, biz_id)])
        assert taken.status_code == 200 and taken.json() == {"code": 0, "msg": "成功"}
        assert (await _final(svc, nid, "sms"))["status"] == "delivered"
        again = await http.post("/receipts/aliyun-sms", params=ok, json=[_report(nid, biz_id, success=False)])
        assert again.status_code == 200
    assert (await _final(svc, nid, "sms"))["status"] == "delivered"  # a final state stays final
    changes = await svc.pool.fetchval(
        """SELECT count(*) FROM events
           WHERE type = 'kite.notify.delivery-status-changed.v1' AND data->>'notification_id' = $1""",
        nid,
    )
    assert changes == 2  # sending, delivered


async def test_an_sms_through_tencent_cloud_is_signed_with_tc3_and_a_refused_number_fails_permanently(
    infra, prefix, monkeypatch
):
    async with providers.tencent_sms() as tencent:
        env = {
            "KITE_NOTIFY_SMS_PROVIDER": "tencent",
            "KITE_SMS_TENCENT_ENDPOINT": tencent.url,
            "KITE_SMS_TENCENT_SECRET_ID": providers.TENCENT_SECRET_ID,
            "KITE_SMS_TENCENT_SECRET_KEY": providers.TENCENT_SECRET_KEY,
            "KITE_SMS_TENCENT_SDK_APP_ID": providers.TENCENT_APP_ID,
            "KITE_SMS_TENCENT_TEMPLATE_IDS": json.dumps({"case-accepted": "1234567"}),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        async with running(infra, SERVICE, prefix) as svc:
            async with svc.client(headers=SENDER) as http:
                ok = (await http.post("/notifications/sms", json={**ACCEPTED, "phone_number": "13812345678"})).json()
                bad = (await http.post("/notifications/sms", json={**ACCEPTED, "phone_number": REFUSED_NUMBER})).json()
                # Tencent has no approved template for broadcasts here: a broadcast by SMS is refused.
                texts = {"zh-Hans": {"title": "通知", "body": "{name}，您好"}}
                body = {"division_code_prefix": "522631", "texts": texts, "channels": ["in_app", "sms"]}
                by_sms = await http.post("/broadcasts", json=body)
                assert by_sms.status_code == 422, by_sms.text
                assert by_sms.json()["detail"].startswith(
                    "未为“群发通知”（broadcast）配置短信模板编号（KITE_SMS_TENCENT_TEMPLATE_IDS）"
                )
            sending = await eventually(lambda: _final(svc, ok["notification_id"], "sms"), timeout=30)
            refused = await eventually(lambda: _final(svc, bad["notification_id"], "sms"), timeout=30)
    assert (sending["status"], sending["provider_reference"]) == ("sending", "2640:000001")
    assert refused["status"] == "permanent-failure"
    assert refused["detail"].startswith("InvalidParameterValue.IncorrectPhoneNumber")
    [sent] = tencent.accepted
    assert (sent["PhoneNumberSet"], sent["TemplateId"], sent["SmsSdkAppId"]) == (
        ["+8613812345678"],
        "1234567",
        providers.TENCENT_APP_ID,
    )
    assert sent["TemplateParamSet"] == ["王芳", "欠薪", "3月1日"]  # {1}, {2}, {3}: the kind's placeholder order


async def test_a_kind_without_an_sms_template_code_is_refused_at_once_or_fails_technically_without_retries(
    channels, publish, make
):
    svc, _, provider = channels  # Aliyun's codes: case-accepted and broadcast only
    issued = {
        "kind": "certificate-issued",
        "personalisation": {"name": "王芳", "title": "务工证明", "office": "人社局"},
    }
    async with svc.client(headers=SENDER) as http:
        refused = await http.post("/notifications/sms", json={**issued, "phone_number": "13812345678"})
        by_email = await http.post("/notifications/email", json={**issued, "email_address": "wang@example.cn"})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["detail"].startswith("未为“证明已出具”（certificate-issued）配置短信模板编号")
    assert problem["type"].endswith("/sms-template-code-missing")
    assert by_email.status_code == 201  # email needs no approved template
    assert await svc.pool.fetchval("SELECT count(*) FROM outbound_deliveries WHERE channel = 'sms'") == 0

    # Queued by a member's own choice of SMS: a technical failure at the first attempt, naming the setting.
    member = await _member(svc, publish, make, {"channels": ["sms", "in_app"], "phone_number": "13800000009"})
    await publish(make.certificate_issued(member))

    async def failed() -> object:
        return await svc.pool.fetchrow(
            """SELECT s.status, s.attempts, s.detail FROM delivery_status s JOIN notifications n USING (notification_id)
               WHERE s.channel = 'sms' AND n.kind = 'certificate-issued' AND s.status <> 'created'"""
        )

    row = await eventually(failed, timeout=30)
    assert (row["status"], row["attempts"]) == ("technical-failure", 1)
    assert "KITE_SMS_ALIYUN_TEMPLATE_CODES" in row["detail"]
    assert provider.accepted == []
