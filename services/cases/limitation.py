"""The one-year limitation of arbitration explained from the dates the applicant gave (劳动争议调解仲裁法 art. 27).

Art. 27: the period is one year from when the party knew or should have known of the infringement
(¶1); it is interrupted when the party claims the right from the other party or asks an authority for
relief — applying for mediation is such a request — and runs again in full from the interruption
(¶2); for unpaid wages while the employment lasts there is no limit, but once it ended the claim must
be made within one year of its end (¶4). Where the mediation ends, the year runs again from that day.
A last day that is not a working day moves to the next working day, as procedural periods do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, msg, words
from services.core.deadlines import calendar_days_deadline, shanghai_date
from services.core.work_calendar import WorkCalendar


@dataclass(frozen=True)
class Limitation:
    starts: date | None  # the day the year counts from before mediation (known, else the end of employment)
    ends_without_mediation: date | None
    interrupted_on: date  # the day the application was received
    ends: date | None  # the year counted again from the end of mediation (None while it lasts)
    provisional: bool
    texts: tuple[Msg, ...]  # plain sentences for the acknowledgement, the case page and the notice

    def as_dict(self, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
        return {
            "starts": self.starts.isoformat() if self.starts else None,
            "ends_without_mediation": self.ends_without_mediation.isoformat() if self.ends_without_mediation else None,
            "interrupted_on": self.interrupted_on.isoformat(),
            "ends": self.ends.isoformat() if self.ends else None,
            "provisional": self.provisional,
            "text": " ".join(words(t, locale) for t in self.texts),
        }


def years_after(day: date, years: int, calendar: WorkCalendar) -> tuple[date, bool]:
    """The last day of `years` years counted from `day`: the same date (28 February for a 29th), moved once to
    the next working day; and whether a day it judged lies in a year nobody announced."""
    try:
        anniversary = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        anniversary = day.replace(year=day.year + years, day=28)
    deadline = calendar_days_deadline(day, (anniversary - day).days, calendar)
    return deadline.due, deadline.provisional


def one_year_after(day: date, calendar: WorkCalendar) -> tuple[date, bool]:
    return years_after(day, 1, calendar)


def limitation(
    claim: dict[str, Any], received_at: datetime, calendar: WorkCalendar, ended_at: datetime | None = None
) -> Limitation:
    """The limitation of a case: from `claim`'s dates, interrupted by the application received at `received_at`,
    counted again from `ended_at` when the mediation ended without agreement."""
    known = _day(claim.get("dispute_known_on"))
    employment_ended = _day(claim.get("employment_ended"))
    starts = known or employment_ended
    received = shanghai_date(received_at)
    provisional = False
    before = None
    texts: list[Msg] = [msg("limitation.rule")]
    if starts is not None:
        before, provisional = one_year_after(starts, calendar)
        texts.append(msg("limitation.from_known", starts=starts.isoformat(), ends=before.isoformat()))
    else:
        texts.append(msg("limitation.no_date"))
    if employment_ended is None:
        texts.append(msg("limitation.wages_while_employed"))
    texts.append(msg("limitation.interrupted", received=received.isoformat()))
    ends = None
    if ended_at is not None:
        ended = shanghai_date(ended_at)
        ends, later_provisional = one_year_after(ended, calendar)
        provisional = provisional or later_provisional
        texts.append(msg("limitation.runs_again", ended=ended.isoformat(), ends=ends.isoformat()))
    if provisional:
        texts.append(msg("limitation.provisional"))
    return Limitation(starts, before, received, ends, provisional, tuple(texts))


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None
