"""Which days are working days in China: chinese-calendar plus the years an administrator configures (which win),
and for the years neither knows, the days off fixed by law, provisionally."""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import chinese_calendar

from i18n import Msg, msg
from services.core.context import ServiceContext, shanghai_iso
from services.core.dates import read_date
from services.core.errors import FieldError, ValidationFailed, field_error, invalid
from services.core.numbers import read_whole
from services.core.statutory_holidays import days_off_by_law

COLLECTION = "work_calendars"
MIN_YEAR = 2004  # chinese-calendar's first year; nothing before it matters to a case filed today
MAX_YEAR = 2100
# Other processes learn of a new configuration within this time; the one that saved it at once.
CACHE_MAX_AGE_SECONDS = 300.0


@dataclass(frozen=True)
class YearCalendar:
    """One configured year: public holidays (any weekday) and adjusted working days (weekends)."""

    year: int
    holidays: frozenset[date]
    working_days: frozenset[date]
    updated_at: datetime | None = None
    updated_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "working_days": [d.isoformat() for d in sorted(self.working_days)],
            "updated_at": shanghai_iso(self.updated_at),
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True)
class WorkCalendar:
    """An immutable view of working days. A configured year takes precedence over the built-in data,
    so an administrator can also correct an announced year that the installed package gets wrong."""

    configured: Mapping[int, YearCalendar] = field(default_factory=dict)
    builtin: bool = True  # tests switch the package off to simulate an unannounced year
    # Each centre's own entries (local holidays, local adjusted working days), by centre and year.
    centres: Mapping[str, Mapping[int, YearCalendar]] = field(default_factory=dict)
    local: Mapping[int, YearCalendar] = field(default_factory=dict)  # the entries in force (for_centre)

    def __post_init__(self) -> None:
        object.__setattr__(self, "configured", MappingProxyType(dict(self.configured)))

    def for_centre(self, centre_id: str) -> WorkCalendar:
        """The calendar of one centre: its own entries over the national arrangement."""
        return replace(self, local=self.centres.get(centre_id, {}))

    def knows_year(self, year: int) -> bool:
        return year in self.configured or (self.builtin and _builtin_knows(year))

    def is_working_day(self, day: date) -> bool | None:
        """True/False for a known year; None when no one has announced that year's arrangement."""
        if isinstance(day, datetime):  # a datetime would silently use its own (maybe UTC) date
            raise TypeError("is_working_day takes a date in Asia/Shanghai, not a datetime")
        local = self.local.get(day.year)
        if local is not None and (day in local.working_days or day in local.holidays):
            return day in local.working_days
        configured = self.configured.get(day.year)
        if configured is not None:
            if day in configured.working_days:
                return True
            return day.weekday() < 5 and day not in configured.holidays
        if self.builtin:
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                return None
        return None

    def is_working_day_or_weekday(self, day: date) -> tuple[bool, bool]:
        """(working, exact): for a year nobody announced, Monday to Friday but the days off the law itself fixes
        (its holidays and their make-up days: services/core/statutory_holidays.py), and not exact."""
        working = self.is_working_day(day)
        if working is None:
            return day.weekday() < 5 and day not in days_off_by_law(day.year), False
        return working, True


def _builtin_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Storage: collection `work_calendars`, `_id` = the year (int) for the national arrangement, or
# "centre:<centre id>:<year>" for a centre's own entries (with `centre` and `year` fields).


def _parse_dates(value: Any, name: str, year: int, errors: list[FieldError]) -> list[tuple[int, date]]:
    if not isinstance(value, list | tuple):
        errors.append(field_error(name, "wrong_type", "error.wrong_type.date_list", label=_label(name)))
        return []
    parsed: list[tuple[int, date]] = []
    for i, item in enumerate(value):
        path = f"{name}[{i}]"
        day: date | None = None
        if isinstance(item, date) and not isinstance(item, datetime):
            day = item
        elif isinstance(item, str):
            day = read_date(item)  # YYYY-MM-DD, the form people read and type (not 20260101)
        if day is None:
            label = _label(name)
            errors.append(field_error(path, "invalid_date", "error.invalid_date.calendar", label=label, position=i + 1))
            continue
        if day.year != year:
            errors.append(
                field_error(
                    path, "date_outside_year", label=_label(name), position=i + 1, day=day.isoformat(), year=year
                )
            )
            continue
        parsed.append((i, day))
    return parsed


def _label(name: str) -> Msg:
    """The words for a list of the form: `field.calendar.holidays`, `field.calendar.working_days`."""
    return msg(f"field.calendar.{name}")


def validate_year_calendar(year: Any, holidays: Any, working_days: Any) -> YearCalendar:
    """Check an administrator's input; every problem is listed, each naming its field."""
    errors: list[FieldError] = []
    year = read_whole(year)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise invalid("year", "invalid_year", first=MIN_YEAR, last=MAX_YEAR)
    parsed_holidays = _parse_dates(holidays, "holidays", year, errors)
    parsed_working = _parse_dates(working_days, "working_days", year, errors)
    if isinstance(holidays, list | tuple) and not holidays:
        # An empty list would make every deadline of the year "exact" while ignoring the Spring Festival.
        errors.append(field_error("holidays", "required", "error.required.holidays"))
    holiday_set = {d for _, d in parsed_holidays}
    for i, day in parsed_working:
        path = f"working_days[{i}]"
        if day in holiday_set:
            errors.append(field_error(path, "holiday_and_working_day", day=day.isoformat()))
        elif day.weekday() < 5:
            weekday = msg(f"calendar.weekday.{day.isoweekday()}")
            errors.append(field_error(path, "not_weekend", day=day.isoformat(), weekday=weekday))
    if errors:
        raise ValidationFailed(errors)
    return YearCalendar(year, frozenset(holiday_set), frozenset(d for _, d in parsed_working))


def _document_id(year: int, centre: str) -> Any:
    return f"centre:{centre}:{year}" if centre else year


def _from_document(doc: Mapping[str, Any]) -> YearCalendar:
    return YearCalendar(
        year=int(doc["year"] if "centre" in doc else doc["_id"]),
        holidays=frozenset(date.fromisoformat(s) for s in doc.get("holidays", [])),
        working_days=frozenset(date.fromisoformat(s) for s in doc.get("working_days", [])),
        updated_at=doc.get("updated_at"),
        updated_by=doc.get("updated_by"),
    )


async def set_year_calendar(
    ctx: ServiceContext,
    year: int,
    holidays: Sequence[str | date],
    working_days: Sequence[str | date],
    actor: str,
    centre: str = "",
) -> YearCalendar:
    """Save (replace) one year's national arrangement, or a centre's own entries for it; then refresh
    this process's cached calendar."""
    checked = validate_year_calendar(year, holidays, working_days)
    now = ctx.clock()
    document = checked.as_dict()
    fields: dict[str, Any] = {
        "holidays": document["holidays"],
        "working_days": document["working_days"],
        "updated_at": now,
        "updated_by": actor,
    }
    if centre:
        fields |= {"centre": centre, "year": checked.year}
    await ctx.db[COLLECTION].update_one({"_id": _document_id(checked.year, centre)}, {"$set": fields}, upsert=True)
    await refresh_work_calendar(ctx)
    return YearCalendar(checked.year, checked.holidays, checked.working_days, now, actor)


async def get_year_calendar(ctx: ServiceContext, year: int, centre: str = "") -> YearCalendar | None:
    """The configured arrangement of one year (a centre's own entries with `centre`), or None."""
    doc = await ctx.db[COLLECTION].find_one({"_id": _document_id(int(year), centre)})
    return _from_document(doc) if doc else None


# ---------------------------------------------------------------------------------------------
# Per-process cache. Keyed by the database object's identity: tests run several apps (and
# databases with the same name) in one process, and equal pymongo objects must not share it.

_cache: dict[int, tuple[weakref.ref[Any], float, WorkCalendar]] = {}


async def refresh_work_calendar(ctx: ServiceContext) -> WorkCalendar:
    """Load every configured year (one database read) and cache the result for this process."""
    docs = await ctx.db[COLLECTION].find({}).to_list(None)
    centres: dict[str, dict[int, YearCalendar]] = {}
    for doc in docs:
        if "centre" in doc:
            centres.setdefault(doc["centre"], {})[int(doc["year"])] = _from_document(doc)
    national = {int(doc["_id"]): _from_document(doc) for doc in docs if "centre" not in doc}
    calendar = WorkCalendar(national, centres=centres)
    for key in [k for k, (ref, _, _) in _cache.items() if ref() is None]:
        del _cache[key]
    _cache[id(ctx.db)] = (weakref.ref(ctx.db), time.monotonic(), calendar)
    return calendar


async def load_work_calendar(ctx: ServiceContext, max_age: float = CACHE_MAX_AGE_SECONDS) -> WorkCalendar:
    """The cached calendar if fresh enough, else a new one from the database."""
    entry = _cache.get(id(ctx.db))
    if entry is not None:
        ref, loaded_at, calendar = entry
        if ref() is ctx.db and time.monotonic() - loaded_at <= max_age:
            return calendar
    return await refresh_work_calendar(ctx)
