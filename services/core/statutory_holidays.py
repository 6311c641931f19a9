"""The days off the law itself fixes, for years whose arrangement nobody has announced yet.

全国年节及纪念日放假办法 (as revised 2024-11-10) art. 2 gives everyone 13 days: 元旦 (1 January), 春节
(农历除夕 and 正月初一 to 初三), 清明 (the day of the solar term), 劳动节 (1-2 May), 端午 (五月初五), 中秋
(八月十五) and 国庆 (1-3 October); art. 6: such a holiday that falls on a Saturday or Sunday is made up
on working days. Lunar dates come from `lunardate`, the solar term from chinese-calendar's own tables.
What the State Council adds each year (adjusted working weekends, longer breaks) cannot be known in
advance: a deadline counted with these days stays provisional until an administrator configures the year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar.solar_terms import SolarTerms
from lunardate import LunarDate


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def holidays_fixed_by_law(year: int) -> frozenset[date]:
    """Art. 2's holidays for everyone in `year` (Gregorian)."""
    new_year = _lunar(year, 1, 1)  # 正月初一
    spring = {new_year + timedelta(days=offset) for offset in (-1, 0, 1, 2)}  # 除夕 to 初三
    term = SolarTerms.pure_brightness.value[1]  # 清明, by the package's own name for it
    qingming = [
        day for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30)) if name == term
    ]
    return frozenset(
        {
            date(year, 1, 1),
            *spring,
            *qingming,
            date(year, 5, 1),
            date(year, 5, 2),
            _lunar(year, 5, 5),
            _lunar(year, 8, 15),
            date(year, 10, 1),
            date(year, 10, 2),
            date(year, 10, 3),
        }
    )


@lru_cache(maxsize=64)
def days_off_by_law(year: int) -> frozenset[date]:
    """The holidays of art. 2, and for each that falls on a weekend the working day that makes it up (art. 6):
    the first weekday after it that is neither a holiday nor already a make-up day (the Spring Festival never
    starts before 21 January, so a year's holidays all fall within it)."""
    off = set(holidays_fixed_by_law(year))
    for holiday in sorted(off):
        if holiday.weekday() >= 5:
            day = holiday + timedelta(days=1)
            while day.weekday() >= 5 or day in off:
                day += timedelta(days=1)
            off.add(day)
    return frozenset(d for d in off if d.year == year)
