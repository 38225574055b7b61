"""Group robots of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书): a branch's or a station's group
chat takes notices through its robot's webhook. Pure: each provider's signing, the request notify
makes, what its answer means as a GOV.UK Notify delivery state, and how a robot's address is shown.

A robot's webhook URL carries its credential (WeCom's `key`, DingTalk's `access_token`, Feishu's hook
token), so it is a secret like the signing secret: kept encrypted, never in an event or a log, shown
masked.

- WeCom: POST JSON to `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`; no signature, the
  key is the credential. Answers `{"errcode": 0, "errmsg": "ok"}`.
- DingTalk: with 加签, `&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret, "<ms>\\n<secret>")))>`
  added to `https://oapi.dingtalk.com/robot/send?access_token=…`; the timestamp within an hour.
  Answers `{"errcode": 0, "errmsg": "ok"}`.
- Feishu: with 签名校验, `timestamp` (seconds, a string) and `sign` =
  base64(HMAC-SHA256(key="<s>\\n<secret>", message="")) in the JSON body posted to
  `https://open.feishu.cn/open-apis/bot/v2/hook/…`. Answers `{"code": 0, "msg": "success"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Literal

from kite_common.domain import RuleViolation

from kite_notify.domain.delivery import PermanentFailure, Sent, TechnicalError

Provider = Literal["wecom", "dingtalk", "feishu"]
PROVIDERS: dict[str, str] = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人", "feishu": "飞书群机器人"}
MAX_TEXT = 2000  # WeCom's text limit is 2048 bytes of UTF-8; the others allow more: the smallest for all


class RobotRejected(RuleViolation):
    code = "invalid-robot"


class Throttled(TechnicalError):
    """The provider's per-robot rate limit (20 a minute for WeCom and DingTalk): tried again later."""


@dataclass(frozen=True)
class RobotAddress:
    """What the delivery worker needs to post to one robot; kept sealed in the queue."""

    provider: Provider
    url: str
    secret: str | None = None

    def sealed_form(self) -> str:
        return json.dumps({"provider": self.provider, "url": self.url, "secret": self.secret}, ensure_ascii=False)

    @classmethod
    def from_sealed_form(cls, text: str) -> RobotAddress:
        data = json.loads(text)
        return cls(data["provider"], data["url"], data.get("secret"))


def check_robot(provider: str, url: str, secret: str | None) -> str:
    """An https (or, for a stand-in, http) URL that names the provider's credential where the provider
    puts it; DingTalk's and Feishu's secret when given is the SEC… / plain string from the robot's
    settings. Returns the URL trimmed."""
    if provider not in PROVIDERS:
        raise RobotRejected(f"不支持的机器人类型 {provider}（可选：{'、'.join(PROVIDERS)}）", field="provider")
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RobotRejected("机器人地址应为 https 地址", field="webhook_url")
    if parts.username or parts.password or parts.fragment:
        raise RobotRejected("机器人地址不能包含用户名、密码或片段", field="webhook_url")
    query = urllib.parse.parse_qs(parts.query)
    if provider == "wecom" and not query.get("key"):
        raise RobotRejected("企业微信机器人地址应包含 key 参数（…/cgi-bin/webhook/send?key=…）", field="webhook_url")
    if provider == "dingtalk" and not query.get("access_token"):
        raise RobotRejected(
            "钉钉机器人地址应包含 access_token 参数（…/robot/send?access_token=…）", field="webhook_url"
        )
    if provider == "feishu" and not re.search(r"/bot/v2/hook/[^/]+$", parts.path):
        raise RobotRejected("飞书机器人地址应为 …/open-apis/bot/v2/hook/<令牌>", field="webhook_url")
    if provider == "wecom" and secret:
        raise RobotRejected("企业微信群机器人没有加签密钥，请不要填写 secret", field="secret")
    if secret is not None and not (1 <= len(secret) <= 200):
        raise RobotRejected("加签密钥长度应为 1–200 个字符", field="secret")
    return parts.geturl()


def mask_url(url: str) -> str:
    """The robot's address as people may see it: where it goes, never its credential."""
    parts = urllib.parse.urlsplit(url)
    path = re.sub(r"(/bot/v2/hook/)[^/]+$", r"\1****", parts.path)
    query = "&".join(f"{k}=****" for k in urllib.parse.parse_qs(parts.query))
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64 of HMAC-SHA256 keyed by the secret over "timestamp\\nsecret" (not yet
    URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's 签名校验: base64 of HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def text_of(title: str, body: str) -> str:
    text = f"{title}\n{body}" if body and not body.startswith(title) else (body or title)
    encoded = text.encode()
    if len(encoded) > MAX_TEXT:
        text = encoded[: MAX_TEXT - 3].decode(errors="ignore") + "…"
    return text


def request_for(address: RobotAddress, title: str, body: str, now_s: float) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, signed where the provider signs."""
    text = text_of(title, body)
    if address.provider == "wecom":
        return address.url, {"msgtype": "text", "text": {"content": text}}
    if address.provider == "dingtalk":
        url = address.url
        if address.secret:
            ms = int(now_s * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(address.secret, ms))
            url = f"{url}&timestamp={ms}&sign={sign}"
        return url, {"msgtype": "text", "text": {"content": text}}
    payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    if address.secret:
        seconds = int(now_s)
        payload = {"timestamp": str(seconds), "sign": feishu_sign(address.secret, seconds), **payload}
    return address.url, payload


# What each provider's error codes mean for the delivery (from their robot documentation).
_PERMANENT: dict[str, dict[int, str]] = {
    "wecom": {
        93000: "机器人地址无效（key 错误或机器人已被移除）",
        40008: "消息类型无效",
        44004: "消息内容为空",
        45002: "消息内容过长",
        93004: "机器人已被停用",
    },
    "dingtalk": {
        310000: "签名不匹配、未含安全关键词或 IP 不在白名单",
        300001: "access_token 无效",
        300005: "access_token 不存在",
        400101: "access_token 不存在",
        400102: "机器人已停用",
        400105: "不支持的消息类型",
        400013: "群已被解散",
    },
    "feishu": {
        19001: "参数无效（机器人令牌错误）",
        19021: "签名校验失败或时间戳超过一小时",
        19022: "IP 不在白名单",
        19024: "消息未包含安全关键词",
        9499: "请求无效",
        19002: "机器人不在群内或群已解散",
    },
}
_THROTTLED: dict[str, frozenset[int]] = {
    "wecom": frozenset({45009, 45033}),
    "dingtalk": frozenset({130101, 410100}),
    "feishu": frozenset({11232}),
}


def outcome(provider: Provider, http_status: int, answer: Any) -> Sent:
    """The provider's answer as a delivery state: posted into the group is delivered (the robot API
    answers after the message is in the chat); a code that no retry cures is a permanent failure; a
    rate limit or a server error is tried again (then technical failure)."""
    code: int | None = None
    message = ""
    if isinstance(answer, dict):
        raw = answer.get("code", answer.get("StatusCode")) if provider == "feishu" else answer.get("errcode")
        try:
            code = int(raw) if raw is not None else None
        except (TypeError, ValueError):
            code = None
        message = str(answer.get("msg") or answer.get("StatusMessage") or answer.get("errmsg") or "")[:200]
    label = PROVIDERS[provider]
    if code == 0 and http_status < 400:
        return Sent("delivered")
    if code is None:
        raise TechnicalError(f"{label}无法识别的应答（HTTP {http_status}）")
    detail = f"{code}: {message}"
    if code in _THROTTLED[provider] or http_status == 429:
        raise Throttled(f"{detail}（{label}限流，稍后重试）")
    if code in _PERMANENT[provider]:
        raise PermanentFailure(f"{detail}（{_PERMANENT[provider][code]}）")
    if http_status >= 500 or code < 0:
        raise TechnicalError(detail)
    raise PermanentFailure(detail)
