"""The channels' wire formats (no I/O): Aliyun's request signature against its documented example,
the SendSms request notify makes, and the email it writes."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from datetime import UTC, datetime

import pytest
from kite_notify.adapters.channel_settings import AliyunSmsSettings, SmtpSettings, TencentSmsSettings
from kite_notify.adapters.channels.aliyun_sms import AliyunSmsChannel
from kite_notify.adapters.channels.email import EmailChannel
from kite_notify.domain.aliyun_signing import sign, string_to_sign
from kite_notify.domain.delivery import OutboundMessage, can_move
from kite_notify.domain.sms_template_codes import SmsNotConfigured
from kite_notify.domain.tencent_signing import authorization
from pydantic import ValidationError

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


def test_the_tc3_signature_matches_tencent_clouds_documented_example():
    # Tencent Cloud API 3.0 signature documentation: DescribeInstances, the example keys and timestamp.
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    header = authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        "cvm",
        "cvm.tencentcloudapi.com",
        1551113065,
        payload,
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_a_sendsms_request_carries_the_template_code_its_values_and_a_valid_signature():
    settings = AliyunSmsSettings(
        access_key_id="id", access_key_secret="s3cret", template_codes={"case-accepted": "SMS_465900001"}
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


def test_a_kind_without_an_approved_sms_template_code_is_a_technical_failure_not_retried():
    settings = AliyunSmsSettings(access_key_id="id", access_key_secret="s")  # type: ignore[call-arg]
    channel = AliyunSmsChannel(None, settings)  # type: ignore[arg-type]
    with pytest.raises(SmsNotConfigured, match="未为“诉求已受理”（case-accepted）配置短信模板编号") as raised:
        channel.params(MESSAGE)
    assert (raised.value.status, raised.value.retry) == ("technical-failure", False)
    assert "KITE_SMS_ALIYUN_TEMPLATE_CODES" in str(raised.value)


@pytest.mark.parametrize(
    ("settings", "codes", "refused"),
    [
        (AliyunSmsSettings, {"case-acepted": "SMS_465900001"}, "未知的消息类型 case-acepted"),
        (AliyunSmsSettings, {"case-accepted": "1234567"}, "模板编号 1234567 格式不对"),
        (TencentSmsSettings, {"case-accepted": "SMS_465900001"}, "模板编号 SMS_465900001 格式不对"),
    ],
)
def test_template_codes_per_kind_and_provider_are_checked_when_read(settings, codes, refused):
    field = "template_codes" if settings is AliyunSmsSettings else "template_ids"
    with pytest.raises(ValidationError, match=refused):
        settings(**{field: codes})


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


def test_robot_signatures_match_the_providers_own_reading_and_urls_are_masked():
    from kite_notify.domain.robots import RobotAddress, mask_url, request_for

    from .providers import dingtalk_expected_sign, feishu_expected_sign

    ding = RobotAddress("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=tok", "SECabc")
    url, body = request_for(ding, "标题", "正文", 1700000000.123)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=tok&timestamp=1700000000123&sign=")
    sign = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sign"][0]
    assert sign == dingtalk_expected_sign("SECabc", "1700000000123")
    assert body == {"msgtype": "text", "text": {"content": "标题\n正文"}}
    feishu = RobotAddress("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "s")
    _, body = request_for(feishu, "标题", "正文", 1700000000.9)
    assert body["timestamp"] == "1700000000" and body["sign"] == feishu_expected_sign("s", "1700000000")
    assert mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****"
    )
    assert mask_url(feishu.url) == "https://open.feishu.cn/open-apis/bot/v2/hook/****"


@pytest.mark.parametrize(
    ("provider", "http_status", "answer", "status"),
    [
        ("wecom", 200, {"errcode": 0, "errmsg": "ok"}, "delivered"),
        ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "permanent-failure"),
        ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, "technical-failure"),
        ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, "permanent-failure"),
        ("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast"}, "technical-failure"),
        ("dingtalk", 200, {"errcode": -1, "errmsg": "系统繁忙"}, "technical-failure"),
        ("feishu", 200, {"code": 0, "msg": "success", "data": {}}, "delivered"),
        ("feishu", 200, {"StatusCode": 0, "StatusMessage": "success"}, "delivered"),
        ("feishu", 400, {"code": 19021, "msg": "sign match fail"}, "permanent-failure"),
        ("feishu", 502, None, "technical-failure"),
    ],
)
def test_robot_answers_become_delivery_states(provider, http_status, answer, status):
    from kite_notify.domain.delivery import ChannelError
    from kite_notify.domain.robots import outcome

    try:
        got = outcome(provider, http_status, answer).status
        retried = False
    except ChannelError as exc:
        got, retried = exc.status, exc.retry
    assert got == status
    assert retried == (status == "technical-failure")  # only what another attempt may cure is retried
