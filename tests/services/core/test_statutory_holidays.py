"""Clocks in years chinese-calendar does not know: the holidays fixed by law (全国年节及纪念日放假办法 2024 art. 2,
lunar dates from lunardate), art. 6's make-up days, configured years winning, and every such deadline provisional."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from services.core.deadlines import calendar_days_deadline, mediation_deadline, working_days_deadline
from services.core.statutory_holidays import days_off_by_law, holidays_fixed_by_law
from services.core.work_calendar import WorkCalendar, validate_year_calendar

CALENDAR = WorkCalendar()  # chinese-calendar 1.11 knows 2026 at most


def shanghai(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_2027_is_not_announced_in_the_installed_package():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert not CALENDAR.knows_year(2027)


def test_the_thirteen_days_of_2027():
    assert sorted(holidays_fixed_by_law(2027)) == [
        date(2027, 1, 1),  # 元旦
        date(2027, 2, 5),
        date(2027, 2, 6),
        date(2027, 2, 7),
        date(2027, 2, 8),  # 除夕, 正月初一 to 初三
        date(2027, 4, 5),  # 清明, the solar term
        date(2027, 5, 1),
        date(2027, 5, 2),  # 劳动节
        date(2027, 6, 9),  # 端午, 五月初五
        date(2027, 9, 15),  # 中秋, 八月十五
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),  # 国庆
    ]


def test_art_6_makes_up_weekend_holidays_on_the_following_working_days():
    made_up = sorted(days_off_by_law(2027) - holidays_fixed_by_law(2027))
    # 6-7 Feb and 1-2 May and 2-3 Oct 2027 fall on weekends
    assert made_up == [
        date(2027, 2, 9),
        date(2027, 2, 10),
        date(2027, 5, 3),
        date(2027, 5, 4),
        date(2027, 10, 4),
        date(2027, 10, 5),
    ]


def test_the_law_agrees_with_the_announced_years():
    """For the announced years under the 2024 revision (in force from 2025), every day the law fixes is a holiday
    in the official arrangement too."""
    for year in (2025, 2026):
        for day in holidays_fixed_by_law(year):
            assert chinese_calendar.is_holiday(day), day


def test_a_2027_deadline_skips_the_national_day_and_its_make_up_days_provisionally():
    deadline = mediation_deadline(shanghai(2027, 9, 16), CALENDAR)  # + 15 = Friday 1 October 2027
    assert deadline.due == date(2027, 10, 6) and deadline.provisional
    spring = calendar_days_deadline(shanghai(2027, 1, 21), 15, CALENDAR)  # + 15 = Friday 5 February, 除夕
    assert spring.due == date(2027, 2, 11) and spring.provisional
    five = working_days_deadline(shanghai(2027, 4, 1), 5, CALENDAR)  # Thu: 2 (Fri), 6, 7, 8, 9 (5 April off)
    assert five.due == date(2027, 4, 9) and five.provisional
    plain = mediation_deadline(shanghai(2027, 3, 1), CALENDAR)
    assert plain.due == date(2027, 3, 16) and plain.provisional  # even a plain one: 2027 is not announced


def test_a_configured_year_wins_and_is_exact():
    holidays = [d.isoformat() for d in sorted(holidays_fixed_by_law(2027)) if d.weekday() < 5]
    configured = WorkCalendar({2027: validate_year_calendar(2027, holidays, ["2027-09-26"])})
    deadline = mediation_deadline(shanghai(2027, 9, 16), configured)
    assert deadline.due == date(2027, 10, 4) and not deadline.provisional  # no make-up days configured
    sunday = calendar_days_deadline(shanghai(2027, 9, 11), 15, configured)  # + 15 = Sunday 26 September
    assert sunday.due == date(2027, 9, 26) and not sunday.provisional  # an adjusted working Sunday


def test_every_day_of_2027_is_judged_without_an_error():
    day = date(2027, 1, 1)
    working = 0
    while day.year == 2027:
        is_working, exact = CALENDAR.is_working_day_or_weekday(day)
        working += is_working
        assert not exact
        day += timedelta(days=1)
    # 261 weekdays, less the 7 holidays falling on weekdays and the 6 make-up days
    assert working == 261 - 7 - 6
