"""工作日 calendar and working-day deadlines (pure, no I/O): weekends, the State Council's holidays and
make-up working days (调休) of 2025 and 2026, and the documented fallback for 2027."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from kite_casework.domain.sla import SlaTier, deadline
from kite_casework.domain.working_days import CHINA, china_calendar, load_calendar

CAL = china_calendar()


def china(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


def test_a_three_working_day_case_opened_before_national_day_lands_after_the_holiday():
    # Tue 29 Sep 2026: Wed 30 Sep is the 1st working day, 1–7 Oct are 国庆 holidays, Thu 8 Oct the 2nd.
    assert CAL.add_working_days(china(2026, 9, 29, 10, 0), 3) == china(2026, 10, 9, 10, 0)


def test_a_make_up_saturday_counts_as_a_working_day():
    assert CAL.add_working_days(china(2026, 10, 9, 10, 0), 1) == china(2026, 10, 10, 10, 0)  # Sat 10 Oct 2026
    assert CAL.add_working_days(china(2025, 9, 26, 16, 0), 1) == china(2025, 9, 28, 16, 0)  # Sun 28 Sep 2025


def test_spring_festival_2026_is_skipped_and_its_make_up_saturdays_are_worked():
    opened = china(2026, 2, 13, 9, 0)  # Friday before 春节
    assert CAL.add_working_days(opened, 1) == china(2026, 2, 14, 9, 0)  # Sat 14 Feb: 上班
    assert CAL.add_working_days(opened, 2) == china(2026, 2, 24, 9, 0)  # 15–23 Feb: 放假


def test_an_ordinary_week_skips_the_weekend():
    assert CAL.add_working_days(china(2026, 11, 27, 17, 0), 1) == china(2026, 11, 30, 17, 0)  # Fri → Mon
    assert CAL.add_working_days(china(2026, 11, 27, 17, 0), 5) == china(2026, 12, 4, 17, 0)


def test_a_case_opened_on_a_rest_day_starts_its_clock_on_the_next_working_day():
    # Sat 28 Nov 2026: the clock starts Mon 00:00, so one working day ends Tue 00:00 (the end of Monday).
    assert CAL.add_working_days(china(2026, 11, 28, 15, 0), 1) == china(2026, 12, 1, 0, 0)


def test_the_deadline_keeps_the_zone_it_was_given():
    start = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)  # 10:00 in China
    assert CAL.add_working_days(start, 3) == datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    assert CAL.add_working_days(start, 3).tzinfo is UTC


def test_tiers_of_a_day_or_longer_count_working_days_and_shorter_ones_the_clock():
    opened = china(2026, 9, 30, 11, 0)
    assert deadline(opened, SlaTier.DAY) == china(2026, 10, 8, 11, 0)
    assert deadline(opened, SlaTier.WEEK) == china(2026, 10, 13, 11, 0)  # 8, 9, 10 (Sat), 12, 13
    assert deadline(opened, SlaTier.HOUR) == china(2026, 9, 30, 12, 0)
    assert deadline(opened, SlaTier.QUARTER_HOUR) == china(2026, 9, 30, 11, 15)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday, 调休上班
        (date(2025, 10, 8), False),  # Wednesday, 国庆中秋
        (date(2025, 10, 11), True),  # Saturday, 调休上班
        (date(2026, 1, 2), False),  # Friday, 元旦
        (date(2026, 1, 4), True),  # Sunday, 调休上班
        (date(2026, 6, 19), False),  # Friday, 端午
        (date(2026, 9, 20), True),  # Sunday, 调休上班
        (date(2026, 12, 25), True),  # an ordinary Friday
        (date(2027, 1, 1), False),  # 2027 not published: fixed-date 元旦
        (date(2027, 10, 1), False),  # fixed-date 国庆
        (date(2027, 5, 3), True),  # a Monday: only 1–2 May are fixed-date holidays
        (date(2027, 10, 9), False),  # a Saturday
    ],
)
def test_which_days_are_working_days(day, working):
    assert CAL.is_working_day(day) is working


def test_the_calendar_holds_every_published_holiday_day():
    # 2025: 元旦 1 + 春节 8 + 清明 3 + 劳动 5 + 端午 3 + 国庆中秋 8; 2026: 3 + 9 + 3 + 5 + 3 + 中秋 3 + 国庆 7.
    assert sum(d.year == 2025 for d in CAL.holidays) == 28
    assert sum(d.year == 2026 for d in CAL.holidays) == 33
    assert len(CAL.workdays) == 11 and all(d.weekday() >= 5 for d in CAL.workdays)
    assert CAL.published_years == {2025, 2026}


def test_a_make_up_working_day_on_a_weekday_is_refused_as_bad_data():
    bad = '{"fixed_holidays": [], "published": {"2026": {"holidays": [], "workdays": ["2026-11-27"]}}}'
    with pytest.raises(ValueError):
        load_calendar(bad)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(datetime(2026, 9, 29, 10, 0), 1)
