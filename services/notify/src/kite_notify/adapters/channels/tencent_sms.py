"""The SMS channel through Tencent Cloud's SMS API (SendSms, sms 2021-01-11): a POST signed with
TC3-HMAC-SHA256 naming the SDK app, the sign name, the template id approved for the notice's kind and
its parameters in order. A per-number `Code` of Ok means Tencent took it (status `sending`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from kite_notify.adapters.channel_settings import TencentSmsSettings
from kite_notify.domain.delivery import OutboundMessage, PermanentFailure, Sent, TechnicalError, TemporaryFailure
from kite_notify.domain.kinds import KINDS
from kite_notify.domain.sms_template_codes import code_for
from kite_notify.domain.tencent_signing import CONTENT_TYPE, authorization

VERSION = "2021-01-11"
PERMANENT_CODES = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberInBlacklist",
        "UnsupportedOperation.UnsupportedRegion",
    }
)
TEMPORARY_CODES = frozenset(
    {
        "LimitExceeded.PhoneNumberDailyLimit",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
    }
)


class TencentSmsChannel:
    name = "sms"

    def __init__(
        self, client: httpx.AsyncClient, settings: TencentSmsSettings, clock: Callable[[], float] = time.time
    ) -> None:
        if not settings.configured:
            raise ValueError("KITE_SMS_TENCENT_SECRET_ID / _SECRET_KEY / _SDK_APP_ID are not set")
        self.client, self.settings, self.clock = client, settings, clock

    def request(self, m: OutboundMessage) -> tuple[dict[str, str], bytes]:
        s = self.settings
        template_id = code_for("tencent", s.template_ids, m.kind)
        params = [m.values[p] for p in KINDS[m.kind].placeholders if p in m.values]  # {1}, {2}… in kind order
        body = json.dumps(
            {
                "PhoneNumberSet": [f"+86{m.address}"],
                "SmsSdkAppId": s.sdk_app_id,
                "SignName": s.sign_name,
                "TemplateId": template_id,
                "TemplateParamSet": params,
                "SessionContext": str(m.notification_id),
            },
            ensure_ascii=False,
        ).encode()
        host = urlsplit(s.endpoint).netloc
        timestamp = int(self.clock())
        assert s.secret_id and s.secret_key
        headers = {
            "Authorization": authorization(s.secret_id, s.secret_key.get_secret_value(), "sms", host, timestamp, body),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": s.region,
        }
        return headers, body

    async def send(self, m: OutboundMessage) -> Sent:
        headers, body = self.request(m)
        try:
            response = await self.client.post(self.settings.endpoint, content=body, headers=headers)
            answer = response.json()["Response"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise TechnicalError(f"短信服务不可用：{type(exc).__name__}") from exc
        if "Error" in answer:
            error = answer["Error"]
            raise TechnicalError(f"{error.get('Code', '')}: {error.get('Message', '')}")
        statuses = answer.get("SendStatusSet") or [{}]
        status = statuses[0]
        code = str(status.get("Code", ""))
        if code == "Ok":
            return Sent("sending", str(status.get("SerialNo") or "") or None)
        detail = f"{code}: {status.get('Message', '')}"
        if code in PERMANENT_CODES:
            raise PermanentFailure(detail)
        if code in TEMPORARY_CODES:
            raise TemporaryFailure(detail)
        raise TechnicalError(detail)
