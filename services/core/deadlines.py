"""Periods counted as procedural law counts them, in Asia/Shanghai days, over a WorkCalendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from services.core.context import SHANGHAI
from services.core.work_calendar import WorkCalendar

MEDIATION_DAYS = 15  # calendar days before the party may go to arbitration
COURT_ANSWER_WORKING_DAYS = 5  # a delegated court case is answered within 5 working days
COURT_FINISH_DAYS = 30  # and finished within 30 days,
COURT_EXTENSION_DAYS = 30  # once extendable by 30
# The longest run of non-working days is the Spring Festival (9 days); this only stops a bad calendar.
_MAX_SHIFT_DAYS = 60


def shanghai_date(moment: datetime | date) -> date:
    """The day as people in China count it. A naive datetime is taken as UTC (how it is stored)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(SHANGHAI).date()
    return moment


@dataclass(frozen=True)
class Deadline:
    """The last day on which something is still in time; `provisional` when a day the rule had to
    judge lies in a year whose holidays nobody announced yet (counted with weekends only)."""

    received: date  # the day of receipt, in Shanghai; it does not count
    due: date
    provisional: bool
    unit: Literal["calendar_days", "working_days"]
    days: int

    def overdue(self, today: datetime | date) -> bool:
        """True once the due day has passed; the due day itself is still in time."""
        return shanghai_date(today) > self.due

    def days_left(self, today: datetime | date) -> int:
        """Calendar days until the due day: 0 on it, negative once overdue."""
        return (self.due - shanghai_date(today)).days

    def as_dict(self, today: datetime | date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"due": self.due.isoformat(), "provisional": self.provisional}
        if today is not None:
            out["days_left"] = self.days_left(today)
            out["overdue"] = self.overdue(today)
        return out


def calendar_days_deadline(received_at: datetime | date, n: int, calendar: WorkCalendar) -> Deadline:
    """n calendar days after the day of receipt; a last day that is not a working day moves to the
    next working day. Only the days from received+n onwards are judged, so only they can make the
    result provisional (a holiday in the middle of the period changes nothing)."""
    if n < 1:
        raise ValueError("a period has at least one day")
    received = shanghai_date(received_at)
    due = received + timedelta(days=n)
    provisional = False
    for _ in range(_MAX_SHIFT_DAYS):
        working, exact = calendar.is_working_day_or_weekday(due)
        provisional = provisional or not exact
        if working:
            return Deadline(received, due, provisional, "calendar_days", n)
        due += timedelta(days=1)
    raise ValueError(f"no working day within {_MAX_SHIFT_DAYS} days after {due.isoformat()}")


def working_days_deadline(received_at: datetime | date, n: int, calendar: WorkCalendar) -> Deadline:
    """The n-th working day after the day of receipt (public holidays skipped, adjusted working
    weekends counted)."""
    if n < 1:
        raise ValueError("a period has at least one day")
    received = shanghai_date(received_at)
    day = received
    counted = 0
    provisional = False
    # every day of the period is judged here, so any unknown one makes the result provisional
    for _ in range(n * 7 + _MAX_SHIFT_DAYS):
        day += timedelta(days=1)
        working, exact = calendar.is_working_day_or_weekday(day)
        provisional = provisional or not exact
        if working:
            counted += 1
            if counted == n:
                return Deadline(received, day, provisional, "working_days", n)
    raise ValueError(f"fewer than {n} working days after {received.isoformat()}")


def mediation_deadline(received_at: datetime | date, calendar: WorkCalendar) -> Deadline:
    """The 15-day mediation period of a centre (calendar days)."""
    return calendar_days_deadline(received_at, MEDIATION_DAYS, calendar)


def court_answer_deadline(received_at: datetime | date, calendar: WorkCalendar) -> Deadline:
    """A delegated court case must be answered within 5 working days."""
    return working_days_deadline(received_at, COURT_ANSWER_WORKING_DAYS, calendar)


def court_finish_deadline(received_at: datetime | date, calendar: WorkCalendar, extended: bool = False) -> Deadline:
    """A delegated court case is finished within 30 days, or 60 once extended."""
    days = COURT_FINISH_DAYS + (COURT_EXTENSION_DAYS if extended else 0)
    return calendar_days_deadline(received_at, days, calendar)


def extend(deadline: Deadline, days: int, calendar: WorkCalendar) -> Deadline:
    """The same period made `days` longer, counted again from the day of receipt (so a weekend that
    moved the first end does not also push the extension)."""
    if days < 1:
        raise ValueError("an extension has at least one day")
    if deadline.unit == "working_days":
        return working_days_deadline(deadline.received, deadline.days + days, calendar)
    return calendar_days_deadline(deadline.received, deadline.days + days, calendar)


def start_of_day_utc(day: date) -> datetime:
    """The moment a Shanghai day begins, in UTC (how times are stored)."""
    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC)


def latest_overdue_receipt(today: date, calendar: WorkCalendar) -> date:
    """The last receipt date whose 15-day period ended before today.

    The due date never decreases as the receipt date grows, so "overdue" is "received on or before
    this day": a range on `created_at`, which the database can answer from an index.
    """
    day = today - timedelta(days=MEDIATION_DAYS)
    while mediation_deadline(day, calendar).due >= today:
        day -= timedelta(days=1)
    return day
