"""The channels' wire formats (no I/O): Aliyun's request signature against its documented example,
the SendSms request notify makes, and the email it writes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from kite_notify.adapters.channel_settings import AliyunSmsSettings, SmtpSettings
from kite_notify.adapters.channels.aliyun_sms import AliyunSmsChannel
from kite_notify.adapters.channels.email import EmailChannel
from kite_notify.domain.aliyun_signing import sign, string_to_sign
from kite_notify.domain.delivery import OutboundMessage, PermanentFailure, can_move

from .providers import aliyun_signature

NID = uuid.UUID("01900000-0000-7000-8000-0000000000aa")
MESSAGE = OutboundMessage(NID, "sms", "13812345678", "case-accepted", "已受理", "正文", {"name": "王芳"})


def test_the_signature_matches_aliyuns_documented_example():
    # Aliyun's signature documentation: DescribeRegions with AccessKeySecret "testsecret".
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert string_to_sign("GET", params).startswith("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions")
    assert "Timestamp%3D2016-02-23T12%253A46%253A24Z" in string_to_sign("GET", params)
    assert sign("testsecret", "GET", params) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_a_sendsms_request_carries_the_template_code_its_values_and_a_valid_signature():
    settings = AliyunSmsSettings(
        access_key_id="id", access_key_secret="s3cret", template_codes={"case-accepted": "SMS_1"}
    )  # type: ignore[call-arg]
    channel = AliyunSmsChannel(
        None,  # type: ignore[arg-type]
        settings,
        clock=lambda: datetime(2025, 3, 1, 2, 3, 4, tzinfo=UTC),
        nonce=lambda: "n-1",
    )
    params = channel.params(MESSAGE)
    assert params["Timestamp"] == "2025-03-01T02:03:04Z" and params["OutId"] == str(NID)
    assert json.loads(params["TemplateParam"]) == {"name": "王芳"}
    signature = params.pop("Signature")
    assert signature == aliyun_signature("s3cret", "GET", params)  # the stand-in's independent reading


def test_a_kind_without_an_approved_sms_template_code_fails_permanently():
    settings = AliyunSmsSettings(access_key_id="id", access_key_secret="s")  # type: ignore[call-arg]
    channel = AliyunSmsChannel(None, settings)  # type: ignore[arg-type]
    with pytest.raises(PermanentFailure, match="未为“case-accepted”配置短信模板编号"):
        channel.params(MESSAGE)


def test_an_email_is_plain_utf8_text_with_the_notice_as_subject():
    channel = EmailChannel(SmtpSettings(host="127.0.0.1", sender="noreply@kite.test"))  # type: ignore[call-arg]
    mail = channel.message(OutboundMessage(NID, "email", "a@b.cn", "welcome", "欢迎加入", "张三，您好！", {}))
    assert (mail["To"], mail["Subject"], mail["X-Kite-Notification-Id"]) == ("a@b.cn", "欢迎加入", str(NID))
    assert mail.get_content().strip() == "张三，您好！"


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        (None, "created", True),
        ("created", "sending", True),
        ("sending", "delivered", True),
        ("created", "technical-failure", True),
        ("delivered", "temporary-failure", False),  # final stays final
        ("permanent-failure", "delivered", False),
        ("sending", "sending", False),  # a repeat records nothing
        ("sending", "created", False),
    ],
)
def test_a_delivery_status_only_moves_forward(current, new, moves):
    assert can_move(current, new) is moves
