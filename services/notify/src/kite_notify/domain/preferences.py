"""A member's notification preferences: channels in order, language, quiet hours, broadcasts. Pure.

Quiet hours default to 22:00–07:00 Asia/Shanghai. A notice that falls in them waits for their end,
except an urgent case notice (a case marked 特急 or 紧急), which goes at once. A member can opt out of
broadcasts, never of the notices about their own cases.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from kite_common.domain import Aggregate, RuleViolation
from kite_common.events import EventPayload

from kite_notify.domain.events import PreferencesSet
from kite_notify.domain.kinds import KINDS
from kite_notify.domain.languages import LANGUAGE_LABELS, LANGUAGES

MEMBER_CHANNELS = ("in_app", "sms", "email")
DEFAULT_QUIET = (time(22, 0), time(7, 0))
TIMEZONE = "Asia/Shanghai"
URGENT_CASES = frozenset({"critical", "high"})


class PreferencesRejected(RuleViolation):
    code = "preferences-invalid"


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str = TIMEZONE

    def release_at(self, now: datetime) -> datetime:
        """`now` if it is outside the quiet hours, else when they end (UTC)."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        t = local.timetz().replace(tzinfo=None)
        if self.start == self.end:
            return now
        crosses_midnight = self.start > self.end
        inside = (t >= self.start or t < self.end) if crosses_midnight else (self.start <= t < self.end)
        if not inside:
            return now
        end_day = local.date() + timedelta(days=1) if crosses_midnight and t >= self.start else local.date()
        return datetime.combine(end_day, self.end, tzinfo=zone).astimezone(UTC)


def parse_time(value: str, field_name: str) -> time:
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError(value)
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise PreferencesRejected(f"免打扰时段须为 HH:MM 格式的时间，收到“{value[:20]}”", field=field_name) from exc


def is_urgent(kind: str, case_urgency: str | None) -> bool:
    spec = KINDS.get(kind)
    return spec is not None and spec.urgent and case_urgency in URGENT_CASES


@dataclass(frozen=True)
class Preferences:
    channels: tuple[str, ...] = ("in_app",)
    language: str | None = None  # None: from the languages the member speaks
    quiet: QuietHours | None = field(default_factory=lambda: QuietHours(*DEFAULT_QUIET))
    broadcasts: bool = True
    has_phone: bool = False
    has_email: bool = False

    def outbound_channel(self) -> str | None:
        """The member's first choice beyond the inbox that they gave an address for."""
        for channel in self.channels:
            if (channel == "sms" and self.has_phone) or (channel == "email" and self.has_email):
                return channel
        return None


def check_preferences(p: Preferences) -> None:
    if not p.channels or len(set(p.channels)) != len(p.channels):
        raise PreferencesRejected("渠道不能为空，也不能重复", field="channels")
    unknown = [c for c in p.channels if c not in MEMBER_CHANNELS]
    if unknown:
        raise PreferencesRejected(f"没有 {unknown[0]} 这种渠道（可选：{'、'.join(MEMBER_CHANNELS)}）", field="channels")
    if "in_app" not in p.channels:
        raise PreferencesRejected("站内消息（in_app）不能关闭：诉求办理的通知总会送达", field="channels")
    if p.language is not None and p.language not in LANGUAGES:
        choices = "、".join(f"{code}（{label}）" for code, label in LANGUAGE_LABELS.items())
        raise PreferencesRejected(
            f"不支持的语言 {p.language}（可选：{choices}）", field="language", code="unknown-language"
        )
    if p.quiet is not None:
        try:
            ZoneInfo(p.quiet.timezone)
        except (ValueError, KeyError) as exc:
            raise PreferencesRejected(f"未知的时区 {p.quiet.timezone[:40]}", field="quiet_hours.timezone") from exc
    if "sms" in p.channels and not p.has_phone:
        raise PreferencesRejected("选择短信渠道须填写手机号", field="phone_number")
    if "email" in p.channels and not p.has_email:
        raise PreferencesRejected("选择电子邮件渠道须填写电子邮件地址", field="email_address")


@dataclass
class MemberPreferences(Aggregate):
    stream_prefix: ClassVar[str] = "preferences"
    label: ClassVar[str] = "该人员的通知设置"

    member_id: uuid.UUID
    saved: int = 0

    @property
    def id(self) -> uuid.UUID:
        return self.member_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, PreferencesSet):
            self.saved += 1

    def set(self, p: Preferences, set_by: str) -> list[EventPayload]:
        check_preferences(p)
        return self._record(
            PreferencesSet(
                member_id=self.member_id,
                channels=list(p.channels),
                language=p.language,
                quiet_start=p.quiet.start.strftime("%H:%M") if p.quiet else None,
                quiet_end=p.quiet.end.strftime("%H:%M") if p.quiet else None,
                timezone=p.quiet.timezone if p.quiet else TIMEZONE,
                broadcasts=p.broadcasts,
                has_phone=p.has_phone,
                has_email=p.has_email,
                set_by=set_by,
            )
        )
