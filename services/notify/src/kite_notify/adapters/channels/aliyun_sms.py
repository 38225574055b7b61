"""The SMS channel through Aliyun's SMS API (SendSms, dysmsapi 2017-05-25): a signed GET naming the
sign name, the template code approved for the notice's kind and the template's values as parameters.
A `Code` of OK means Aliyun took it (status `sending`; the handset's receipt comes later)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from kite_notify.adapters.channel_settings import AliyunSmsSettings
from kite_notify.domain.aliyun_signing import sign
from kite_notify.domain.delivery import OutboundMessage, PermanentFailure, Sent, TechnicalError, TemporaryFailure
from kite_notify.domain.sms_template_codes import code_for

# Aliyun's error codes (SendSms) that no retry can cure for this number, or not today.
PERMANENT_CODES = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT", "isv.MOBILE_COUNT_OVER_LIMIT"})
TEMPORARY_CODES = frozenset({"isv.DAY_LIMIT_CONTROL", "isv.OUT_OF_SERVICE"})


class AliyunSmsChannel:
    name = "sms"

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: AliyunSmsSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        nonce: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        if not settings.configured:
            raise ValueError("KITE_SMS_ALIYUN_ACCESS_KEY_ID / _SECRET are not set")
        self.client, self.settings, self.clock, self.nonce = client, settings, clock, nonce

    def params(self, m: OutboundMessage) -> dict[str, str]:
        s = self.settings
        code = code_for("aliyun", s.template_codes, m.kind)
        assert s.access_key_id and s.access_key_secret
        params = {
            "AccessKeyId": s.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(m.notification_id),
            "PhoneNumbers": m.address,
            "RegionId": s.region_id,
            "SignName": s.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": code,
            "TemplateParam": json.dumps(m.values, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = sign(s.access_key_secret.get_secret_value(), "GET", params)
        return params

    async def send(self, m: OutboundMessage) -> Sent:
        try:
            response = await self.client.get(self.settings.endpoint, params=self.params(m))
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TechnicalError(f"短信服务不可用：{type(exc).__name__}") from exc
        code = str(answer.get("Code", ""))
        if code == "OK":
            return Sent("sending", str(answer.get("BizId") or "") or None)
        detail = f"{code}: {answer.get('Message', '')}"
        if code in PERMANENT_CODES:
            raise PermanentFailure(detail)
        if code in TEMPORARY_CODES:
            raise TemporaryFailure(detail)
        raise TechnicalError(detail)
