"""Preferences and quiet hours (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from kite_notify.domain.preferences import (
    Preferences,
    PreferencesRejected,
    QuietHours,
    check_preferences,
    is_urgent,
    parse_time,
)

NIGHT = QuietHours(time(22, 0), time(7, 0))  # Asia/Shanghai, UTC+8


@pytest.mark.parametrize(
    ("utc", "released"),
    [
        (datetime(2025, 3, 1, 13, 59, tzinfo=UTC), datetime(2025, 3, 1, 13, 59, tzinfo=UTC)),  # 21:59: goes now
        (datetime(2025, 3, 1, 14, 0, tzinfo=UTC), datetime(2025, 3, 1, 23, 0, tzinfo=UTC)),  # 22:00 → 07:00 next day
        (datetime(2025, 3, 1, 18, 30, tzinfo=UTC), datetime(2025, 3, 1, 23, 0, tzinfo=UTC)),  # 02:30 → 07:00
        (datetime(2025, 3, 1, 23, 0, tzinfo=UTC), datetime(2025, 3, 1, 23, 0, tzinfo=UTC)),  # 07:00: goes now
    ],
)
def test_a_notice_in_the_quiet_hours_waits_for_their_end_in_beijing_time(utc, released):
    assert NIGHT.release_at(utc) == released


def test_quiet_hours_within_one_day_and_none_at_all():
    lunch = QuietHours(time(12, 0), time(14, 0))
    assert lunch.release_at(datetime(2025, 3, 1, 4, 30, tzinfo=UTC)) == datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
    assert lunch.release_at(datetime(2025, 3, 1, 7, 0, tzinfo=UTC)) == datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
    same = QuietHours(time(8, 0), time(8, 0))
    assert same.release_at(datetime(2025, 3, 1, 0, 0, tzinfo=UTC)) == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)


def test_only_urgent_case_notices_break_the_quiet_hours():
    assert is_urgent("case-accepted", "critical") and is_urgent("case-opened", "high")
    assert not is_urgent("case-accepted", "normal")
    assert not is_urgent("job-matched", "high")  # not a case notice


@pytest.mark.parametrize("value", ["25:00", "22:60", "晚上十点", "2200", "7:00", ""])
def test_a_quiet_hour_that_is_not_a_time_is_refused_in_chinese(value):
    with pytest.raises(PreferencesRejected, match="免打扰时段须为 HH:MM 格式的时间"):
        parse_time(value, "quiet_hours.start")


@pytest.mark.parametrize(
    ("prefs", "message"),
    [
        (Preferences(channels=("in_app", "fax")), "没有 fax 这种渠道"),
        (Preferences(channels=("sms",), has_phone=True), "站内消息（in_app）不能关闭"),
        (Preferences(channels=("in_app", "in_app")), "不能重复"),
        (Preferences(language="ug"), "不支持的语言 ug"),
        (Preferences(channels=("in_app", "sms")), "选择短信渠道须填写手机号"),
        (Preferences(channels=("in_app", "email")), "选择电子邮件渠道须填写电子邮件地址"),
        (Preferences(quiet=QuietHours(time(22), time(7), "Mars/Olympus")), "未知的时区"),
    ],
)
def test_preferences_that_cannot_be_kept_are_refused(prefs, message):
    with pytest.raises(PreferencesRejected, match=message):
        check_preferences(prefs)


def test_the_first_preferred_channel_with_an_address_is_used_beyond_the_inbox():
    assert Preferences(("in_app", "email", "sms"), has_phone=True, has_email=True).outbound_channel() == "email"
    assert Preferences(("in_app", "sms"), has_phone=True).outbound_channel() == "sms"
    assert Preferences().outbound_channel() is None
