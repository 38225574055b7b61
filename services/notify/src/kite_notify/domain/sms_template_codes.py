"""SMS template codes: Aliyun and Tencent Cloud send only texts whose template the provider approved
beforehand, named by a code per template. notify keeps one code per notice kind and provider
(KITE_SMS_ALIYUN_TEMPLATE_CODES, KITE_SMS_TENCENT_TEMPLATE_IDS: JSON objects kind → code). Pure.

A kind without a code cannot go by SMS: a send asked for over the API is refused at once (a problem
detail, nothing queued); an SMS a member's preferences queued ends as technical-failure (notify's
configuration, not the number, is at fault), without retries, its detail naming the setting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from kite_common.domain import RuleViolation

from kite_notify.domain.delivery import ChannelError
from kite_notify.domain.kinds import KINDS

SmsProvider = Literal["aliyun", "tencent"]
SETTING: dict[str, str] = {"aliyun": "KITE_SMS_ALIYUN_TEMPLATE_CODES", "tencent": "KITE_SMS_TENCENT_TEMPLATE_IDS"}
_FORMAT: dict[str, tuple[re.Pattern[str], str]] = {
    "aliyun": (re.compile(r"^SMS_[0-9]{6,12}$"), "SMS_ 加 6–12 位数字，如 SMS_465900001"),
    "tencent": (re.compile(r"^[0-9]{4,10}$"), "4–10 位数字，如 1234567"),
}


class NoSmsTemplateCode(RuleViolation):
    code = "sms-template-code-missing"


class SmsNotConfigured(ChannelError):
    """No approved template code for the kind: a technical failure, which no retry cures."""

    status = "technical-failure"
    retry = False


def check_codes(provider: SmsProvider, codes: Mapping[str, str]) -> dict[str, str]:
    """The codes as configured, refused (at start-up) when a kind is unknown or a code is malformed."""
    pattern, shape = _FORMAT[provider]
    for kind, code in codes.items():
        if kind not in KINDS:
            raise ValueError(f"{SETTING[provider]}: 未知的消息类型 {kind}（可选：{'、'.join(KINDS)}）")
        if not pattern.match(code):
            raise ValueError(f"{SETTING[provider]}: “{kind}”的模板编号 {code} 格式不对（应为 {shape}）")
    return dict(codes)


def _missing(provider: SmsProvider, kind: str) -> str:
    label = KINDS[kind].label if kind in KINDS else kind
    return f"未为“{label}”（{kind}）配置短信模板编号（{SETTING[provider]}）"


def code_for(provider: SmsProvider, codes: Mapping[str, str], kind: str) -> str:
    """The approved code to send `kind` with, at send time."""
    code = codes.get(kind)
    if code is None:
        raise SmsNotConfigured(_missing(provider, kind))
    return code


def require_code(provider: SmsProvider, codes: Mapping[str, str], kind: str, field: str = "kind") -> None:
    """Before anything is queued: the kind can go by SMS."""
    if kind not in codes:
        raise NoSmsTemplateCode(_missing(provider, kind) + "，暂不能发送短信", field=field)


def missing_kinds(codes: Mapping[str, str]) -> list[str]:
    return [kind for kind in KINDS if kind not in codes]
