"""Deadlines counted as procedural law counts them, and the administrator-configured calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from services.core.context import SHANGHAI
from services.core.deadlines import (
    Deadline,
    calendar_days_deadline,
    court_answer_deadline,
    court_finish_deadline,
    extend,
    mediation_deadline,
    shanghai_date,
    working_days_deadline,
)
from services.core.errors import ValidationFailed
from services.core.statutory_holidays import days_off_by_law
from services.core.work_calendar import (
    WorkCalendar,
    YearCalendar,
    get_year_calendar,
    load_work_calendar,
    refresh_work_calendar,
    set_year_calendar,
    validate_year_calendar,
)
from tests.support.queries import assert_database_commands

BUILTIN = WorkCalendar()  # chinese-calendar only: knows 2026, not 2027

# A plausible 2027 arrangement, only as test data (not announced when this was written).
CAL_2027_HOLIDAYS = ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]
CAL_2027_WORKING = ["2027-01-09"]


def shanghai(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def days_2026():
    day = date(2026, 1, 1)
    while day.year == 2026:
        yield day
        day += timedelta(days=1)


# --- the built-in 2026 arrangement the examples rely on (checked, not remembered) ---------------


def test_the_2026_arrangement_the_examples_rely_on():
    assert all(chinese_calendar.is_holiday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 2, 14)) and date(2026, 2, 14).weekday() == 5
    assert all(chinese_calendar.is_holiday(date(2026, 2, d)) for d in range(15, 24))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_work_calendar_answers_none_for_an_unknown_year():
    assert BUILTIN.is_working_day(date(2026, 10, 5)) is False
    assert BUILTIN.is_working_day(date(2026, 10, 10)) is True  # adjusted working Saturday
    assert BUILTIN.is_working_day(date(2026, 10, 11)) is False  # ordinary Sunday
    assert BUILTIN.is_working_day(date(2027, 1, 4)) is None
    assert BUILTIN.knows_year(2026) and not BUILTIN.knows_year(2027)
    with pytest.raises(TypeError):
        BUILTIN.is_working_day(datetime(2026, 10, 5, tzinfo=UTC))


def test_work_calendar_is_immutable() -> None:
    cal = WorkCalendar({2027: validate_year_calendar(2027, CAL_2027_HOLIDAYS, CAL_2027_WORKING)})
    with pytest.raises(TypeError):
        cal.configured[2028] = cal.configured[2027]  # type: ignore[index]
    with pytest.raises(AttributeError):
        cal.builtin = False  # type: ignore[misc]


def test_a_configured_year_takes_precedence_over_the_package():
    # an administrator correcting an announced year: 2026-10-08 made a holiday
    holidays = [d.isoformat() for d in days_2026() if chinese_calendar.is_holiday(d) and d.weekday() < 5]
    corrected = validate_year_calendar(2026, [*holidays, "2026-10-08"], ["2026-10-10"])
    cal = WorkCalendar({2026: corrected})
    assert cal.is_working_day(date(2026, 10, 8)) is False
    assert BUILTIN.is_working_day(date(2026, 10, 8)) is True
    assert cal.is_working_day(date(2026, 2, 14)) is False  # not listed as working in the correction
    assert cal.is_working_day(date(2026, 10, 10)) is True


# --- the 15-day mediation period --------------------------------------------------------------


def test_day_15_on_national_day_moves_to_the_first_working_day_after_the_holiday():
    deadline = mediation_deadline(shanghai(2026, 9, 20), BUILTIN)
    assert deadline.received == date(2026, 9, 20)
    assert date(2026, 9, 20) + timedelta(days=15) == date(2026, 10, 5)
    assert deadline.due == date(2026, 10, 8)
    assert deadline.provisional is False


def test_day_15_on_an_adjusted_working_saturday_stays():
    received = shanghai(2026, 9, 25)
    assert received.weekday() == 4  # Friday
    deadline = mediation_deadline(received, BUILTIN)
    assert deadline.due == date(2026, 10, 10) and deadline.due.weekday() == 5
    assert not deadline.provisional
    # the Spring Festival's adjusted Saturday too
    assert mediation_deadline(shanghai(2026, 1, 30), BUILTIN).due == date(2026, 2, 14)


def test_day_15_on_an_ordinary_weekend_moves_to_monday():
    deadline = mediation_deadline(shanghai(2026, 11, 21), BUILTIN)  # Saturday + 15 = Sunday 12-06
    assert deadline.due == date(2026, 12, 7)


def test_day_15_on_the_spring_festival_moves_past_it():
    deadline = mediation_deadline(shanghai(2026, 2, 1), BUILTIN)  # + 15 = 02-16, holiday until 02-23
    assert deadline.due == date(2026, 2, 24)
    assert not deadline.provisional


def test_a_holiday_inside_the_period_does_not_lengthen_it():
    deadline = mediation_deadline(shanghai(2026, 9, 28), BUILTIN)  # + 15 = 10-13, a Tuesday
    assert deadline.due == date(2026, 10, 13)


def test_reaching_into_an_unknown_year_is_provisional_with_the_days_the_law_fixes():
    deadline = mediation_deadline(shanghai(2026, 12, 20), BUILTIN)
    assert deadline.due == date(2027, 1, 4)  # a Monday, no holiday fixed by law
    assert deadline.provisional is True


def test_a_configured_year_makes_the_deadline_exact():
    cal = WorkCalendar({2027: validate_year_calendar(2027, CAL_2027_HOLIDAYS, CAL_2027_WORKING)})
    deadline = mediation_deadline(shanghai(2026, 12, 20), cal)
    assert deadline.due == date(2027, 1, 5)  # 01-04 is a holiday in this arrangement
    assert deadline.provisional is False
    # + 15 = 2027-01-09, a Saturday the configuration makes a working day: it stays
    saturday = mediation_deadline(shanghai(2026, 12, 25), cal)
    assert saturday.due == date(2027, 1, 9) and not saturday.provisional
    # without the configuration, the same Saturday moves to Monday, provisionally
    assert mediation_deadline(shanghai(2026, 12, 25), BUILTIN).due == date(2027, 1, 11)


def test_only_the_days_judged_can_make_it_provisional():
    # the period runs through 2026 only: 2027 unknown does not matter
    assert not mediation_deadline(shanghai(2026, 12, 1), BUILTIN).provisional
    # day 15 on Thursday 2026-12-31, a working day: the unknown 2027 is never looked at
    deadline = mediation_deadline(shanghai(2026, 12, 16), BUILTIN)
    assert deadline.due == date(2026, 12, 31) and not deadline.provisional


def test_the_day_of_receipt_is_the_shanghai_day():
    late_evening = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)  # 2026-11-22 00:30 in Shanghai
    assert shanghai_date(late_evening) == date(2026, 11, 22)
    assert mediation_deadline(late_evening, BUILTIN).received == date(2026, 11, 22)
    assert mediation_deadline(late_evening, BUILTIN).due == date(2026, 12, 7)
    # a case where the difference changes the due date: Tuesday 23:30 in Shanghai
    utc_monday = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    assert utc_monday.astimezone(SHANGHAI) == shanghai(2026, 11, 23, 23, 30)
    assert mediation_deadline(utc_monday, BUILTIN).due == date(2026, 12, 8)
    utc_tuesday = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 2026-11-24 00:30 in Shanghai
    assert mediation_deadline(utc_tuesday, BUILTIN).due == date(2026, 12, 9)
    # a naive datetime is stored UTC (a driver without tz_aware)
    assert shanghai_date(datetime(2026, 11, 21, 16, 30)) == date(2026, 11, 22)


def test_overdue_and_days_left():
    deadline = mediation_deadline(shanghai(2026, 9, 20), BUILTIN)  # due 10-08
    assert deadline.days_left(date(2026, 10, 1)) == 7
    assert deadline.days_left(date(2026, 10, 8)) == 0 and not deadline.overdue(date(2026, 10, 8))
    assert deadline.overdue(date(2026, 10, 9)) and deadline.days_left(date(2026, 10, 9)) == -1
    # "today" as a stored UTC instant: 2026-10-08T16:30Z is already the 9th in Shanghai
    assert deadline.overdue(datetime(2026, 10, 8, 16, 30, tzinfo=UTC))
    assert not deadline.overdue(datetime(2026, 10, 8, 15, 59, tzinfo=UTC))
    assert deadline.as_dict(date(2026, 10, 9)) == {
        "due": "2026-10-08",
        "provisional": False,
        "days_left": -1,
        "overdue": True,
    }


# --- working days and the court's limits ---------------------------------------------------------


def test_five_working_days_across_national_day():
    deadline = working_days_deadline(shanghai(2026, 9, 30), 5, BUILTIN)
    # 10-01..07 holiday; 08 Thu, 09 Fri, 10 Sat (adjusted), 12 Mon, 13 Tue
    assert deadline.due == date(2026, 10, 13)
    assert not deadline.provisional
    assert court_answer_deadline(shanghai(2026, 9, 30), BUILTIN) == deadline


def test_five_working_days_across_the_spring_festival():
    # 02-13 Fri, 02-14 Sat (adjusted), holiday 02-15..23, then 24, 25, 26
    assert working_days_deadline(shanghai(2026, 2, 12), 5, BUILTIN).due == date(2026, 2, 26)


def test_the_day_of_receipt_never_counts_even_a_working_one():
    assert working_days_deadline(shanghai(2026, 3, 2), 1, BUILTIN).due == date(2026, 3, 3)
    assert working_days_deadline(shanghai(2026, 3, 6), 1, BUILTIN).due == date(2026, 3, 9)  # Fri -> Mon


def test_working_days_into_an_unknown_year_are_provisional():
    deadline = working_days_deadline(shanghai(2026, 12, 28), 5, BUILTIN)
    # 29, 30, 31, then 2027-01-01 (a Friday, 元旦 by law: not counted), 01-04, 01-05
    assert deadline.due == date(2027, 1, 5) and deadline.provisional
    cal = WorkCalendar({2027: validate_year_calendar(2027, CAL_2027_HOLIDAYS, CAL_2027_WORKING)})
    exact = working_days_deadline(shanghai(2026, 12, 28), 5, cal)
    assert exact.due == date(2027, 1, 6) and not exact.provisional


def test_the_court_limit_of_30_days_and_its_extension():
    received = shanghai(2026, 8, 20)
    first = court_finish_deadline(received, BUILTIN)
    assert first == calendar_days_deadline(received, 30, BUILTIN)
    assert first.due == date(2026, 9, 20)  # a Sunday, but an adjusted working day: it stays
    assert court_finish_deadline(shanghai(2026, 8, 14), BUILTIN).due == date(2026, 9, 14)  # Sun 09-13 -> Mon
    longer = extend(first, 30, BUILTIN)
    assert longer == court_finish_deadline(received, BUILTIN, extended=True)
    assert longer == calendar_days_deadline(received, 60, BUILTIN)
    assert longer.due == date(2026, 10, 19)  # received + 60 = 10-19, a Monday
    assert extend(working_days_deadline(received, 5, BUILTIN), 5, BUILTIN).days == 10


def test_bad_periods_are_refused():
    with pytest.raises(ValueError):
        calendar_days_deadline(shanghai(2026, 1, 5), 0, BUILTIN)
    with pytest.raises(ValueError):
        working_days_deadline(shanghai(2026, 1, 5), -1, BUILTIN)


# --- properties over every day of 2026 ---------------------------------------------------------


@pytest.mark.parametrize("n", [1, 15, 30, 60])
def test_calendar_days_deadline_properties(n):
    for received in days_2026():
        deadline: Deadline = calendar_days_deadline(received, n, BUILTIN)
        earliest = received + timedelta(days=n)
        assert deadline.due >= earliest
        # the FIRST working day (unknown year: a weekday the law does not give off) on or after received + n
        day = earliest
        while day < deadline.due:
            assert BUILTIN.is_working_day(day) is False or (
                BUILTIN.is_working_day(day) is None and (day.weekday() >= 5 or day in days_off_by_law(day.year))
            ), (received, day)
            day += timedelta(days=1)
        known = BUILTIN.is_working_day(deadline.due)
        if deadline.due.year == 2026 and earliest.year == 2026:
            assert known is True and not deadline.provisional, received
        else:
            assert deadline.provisional and deadline.due.weekday() < 5
        assert deadline.provisional == any(
            BUILTIN.is_working_day(earliest + timedelta(days=i)) is None
            for i in range((deadline.due - earliest).days + 1)
        )


def test_working_days_deadline_agrees_with_chinese_calendar():
    for received in days_2026():
        if received > date(2026, 12, 1):
            break  # chinese_calendar.find_workday itself fails beyond 2026
        for n in (1, 5, 10):
            deadline = working_days_deadline(received, n, BUILTIN)
            # find_workday(0, d) is the first working day on or after d; the day of receipt never counts
            assert deadline.due == chinese_calendar.find_workday(n - 1, received + timedelta(days=1)), (received, n)
            assert len(chinese_calendar.get_workdays(received + timedelta(days=1), deadline.due)) == n
            assert not deadline.provisional


# --- the administrator's calendar, in the database --------------------------------------------


def field_errors(excinfo) -> dict[str, str]:
    return {e.field: e.code for e in excinfo.value.errors}


def test_calendar_validation_names_every_field():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_year_calendar(
            2027,
            ["2027-01-01", "2026-12-31", "not a date", "20270102"],
            ["2027-01-01", "2027-01-06", "2028-01-08", "2027-01-09"],
        )
    assert field_errors(excinfo) == {
        "holidays[1]": "date_outside_year",
        "holidays[2]": "invalid_date",
        "holidays[3]": "invalid_date",
        "working_days[0]": "holiday_and_working_day",
        "working_days[1]": "not_weekend",
        "working_days[2]": "date_outside_year",
    }
    messages = {e.field: e.message for e in excinfo.value.errors}
    assert "2027 年" in messages["holidays[1]"]
    assert "周三" in messages["working_days[1]"]
    assert excinfo.value.status == 422


@pytest.mark.parametrize(
    ("year", "holidays", "working_days", "field", "code"),
    [
        (1999, ["1999-01-01"], [], "year", "invalid_year"),
        ("abc", ["2027-01-01"], [], "year", "invalid_year"),
        (True, ["2027-01-01"], [], "year", "invalid_year"),
        (2027, [], [], "holidays", "required"),
        (2027, "2027-01-01", [], "holidays", "wrong_type"),
        (2027, ["2027-01-01"], None, "working_days", "wrong_type"),
    ],
)
def test_calendar_validation_of_the_shape(year, holidays, working_days, field, code):
    with pytest.raises(ValidationFailed) as excinfo:
        validate_year_calendar(year, holidays, working_days)
    assert field_errors(excinfo) == {field: code}


def test_calendar_validation_accepts_dates_and_a_year_string():
    checked = validate_year_calendar("2027", [date(2027, 1, 1), "2027-01-01"], [])
    assert checked == YearCalendar(2027, frozenset({date(2027, 1, 1)}), frozenset())


@pytest.mark.gen_test
async def test_set_and_get_a_year_calendar(ctx):
    assert await get_year_calendar(ctx, 2027) is None
    before = await load_work_calendar(ctx)
    assert mediation_deadline(shanghai(2026, 12, 20), before).provisional

    saved = await set_year_calendar(ctx, 2027, CAL_2027_HOLIDAYS, CAL_2027_WORKING, actor="admin-1")
    assert saved.updated_by == "admin-1" and saved.updated_at is not None

    stored = await ctx.db["work_calendars"].find_one({"_id": 2027})
    assert stored["holidays"] == CAL_2027_HOLIDAYS and stored["working_days"] == CAL_2027_WORKING
    assert stored["updated_at"].tzinfo is not None

    got = await get_year_calendar(ctx, 2027)
    assert got.holidays == frozenset(date.fromisoformat(s) for s in CAL_2027_HOLIDAYS)
    assert got.as_dict()["updated_at"].endswith("+08:00")

    # the process's calendar was refreshed by the save: the deadline is now exact
    after = await load_work_calendar(ctx)
    deadline = mediation_deadline(shanghai(2026, 12, 20), after)
    assert deadline.due == date(2027, 1, 5) and not deadline.provisional
    assert before.is_working_day(date(2027, 1, 4)) is None  # the old object did not change

    # saving again replaces the year
    await set_year_calendar(ctx, 2027, ["2027-01-01"], [], actor="admin-2")
    again = await get_year_calendar(ctx, 2027)
    assert again.working_days == frozenset() and again.updated_by == "admin-2"
    assert mediation_deadline(shanghai(2026, 12, 20), await load_work_calendar(ctx)).due == date(2027, 1, 4)


@pytest.mark.gen_test
async def test_a_refused_calendar_changes_nothing(ctx):
    with pytest.raises(ValidationFailed):
        await set_year_calendar(ctx, 2027, ["2027-01-01"], ["2027-01-01"], actor="admin-1")
    assert await get_year_calendar(ctx, 2027) is None


@pytest.mark.gen_test
async def test_the_calendar_is_one_read_and_cached(ctx, db_commands):
    await ctx.db["work_calendars"].insert_one({"_id": 2028, "holidays": ["2028-01-03"], "working_days": []})
    with assert_database_commands(db_commands, 1):
        cal = await refresh_work_calendar(ctx)
    assert cal.is_working_day(date(2028, 1, 3)) is False and cal.knows_year(2028)
    with assert_database_commands(db_commands, 0):  # cached
        assert await load_work_calendar(ctx) is cal
    # written behind this process's back (another process): seen after the cache's age or a refresh
    await ctx.db["work_calendars"].insert_one({"_id": 2029, "holidays": ["2029-01-01"], "working_days": []})
    assert not (await load_work_calendar(ctx)).knows_year(2029)
    assert (await load_work_calendar(ctx, max_age=0)).knows_year(2029)
