"""The one-year limitation of arbitration explained from the dates the applicant gave (劳动争议调解仲裁法 art. 27).

Art. 27: the period is one year from when the party knew or should have known of the infringement
(¶1); it is interrupted when the party claims the right from the other party or asks an authority for
relief — applying for mediation is such a request — and runs again in full "from the interruption"
(¶2); for unpaid wages while the employment lasts there is no limit, but once it ended the claim must
be made within one year of its end (¶4).

When does the year run again? 民法典 art. 195 counts it "from the interruption or the end of the procedure
concerned" (从中断、有关程序终结时起): from the end of the mediation. A commission reading art. 27 ¶2 literally counts
it from the interruption itself, the day the application was received. The two readings give two last days; the
earlier is the safe one (`last_day`), and every page and notice names it and says why (docs/domain.md#the-limitation).
A last day that is not a working day moves to the next working day, as procedural periods do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, msg, words
from services.core.deadlines import calendar_days_deadline, shanghai_date
from services.core.work_calendar import WorkCalendar

AUDIENCES = ("applicant", "staff")  # whom the sentences address: the applicant ("您") or the back office ("申请人")


@dataclass(frozen=True)
class Limitation:
    starts: date | None  # the day the year counts from before mediation (known, else the end of employment)
    ends_without_mediation: date | None
    interrupted_on: date  # the day the application was received
    ends: date | None  # the year counted again from the end of mediation, 民法典 art. 195 (None while it lasts)
    last_day: date | None  # the safe last day: a year from the interruption (art. 27 ¶2 read literally); None when
    # by the dates given the year had already run out before the application (nothing left to interrupt)
    provisional: bool
    ran_out_before: bool  # the dates given say the year ended before the application was received
    wages_exception: bool  # a worker still employed: unpaid wages are not limited meanwhile (¶4)
    ended_on: date | None  # the day the mediation ended

    def texts(self, audience: str = "applicant") -> tuple[Msg, ...]:
        """Plain sentences for the applicant's acknowledgement and case page ("您"), or the back office's page (the
        applicant named in the third person). The respondent is shown none: it is the applicant's limitation."""
        if audience not in AUDIENCES:
            raise ValueError(f"no limitation sentences for {audience!r}")
        who = "" if audience == "applicant" else ".staff"
        out: list[Msg] = [msg("limitation.rule")]
        if self.starts is not None and self.ends_without_mediation is not None:
            out.append(
                msg(
                    f"limitation.from_known{who}",
                    starts=self.starts.isoformat(),
                    ends=self.ends_without_mediation.isoformat(),
                )
            )
        else:
            out.append(msg(f"limitation.no_date{who}"))
        if self.wages_exception:
            out.append(msg("limitation.wages_while_employed"))
        received = self.interrupted_on.isoformat()
        if self.ran_out_before and self.ends_without_mediation is not None:
            out.append(msg(f"limitation.ran_out_before{who}", received=received))
        else:
            assert self.last_day is not None
            out.append(msg(f"limitation.interrupted{who}", received=received, last_day=self.last_day.isoformat()))
            if self.ends is not None and self.ended_on is not None:
                out.append(
                    msg(
                        f"limitation.safe_after_end{who}",
                        ended=self.ended_on.isoformat(),
                        ends=self.ends.isoformat(),
                        last_day=self.last_day.isoformat(),
                    )
                )
            else:
                out.append(msg(f"limitation.safe_while_mediating{who}", last_day=self.last_day.isoformat()))
        if self.provisional:
            out.append(msg("limitation.provisional"))
        return tuple(out)

    def as_dict(self, locale: str = DEFAULT_LOCALE, audience: str = "applicant") -> dict[str, Any]:
        return {
            "starts": self.starts.isoformat() if self.starts else None,
            "ends_without_mediation": self.ends_without_mediation.isoformat() if self.ends_without_mediation else None,
            "interrupted_on": self.interrupted_on.isoformat(),
            "ends": self.ends.isoformat() if self.ends else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "ran_out_before": self.ran_out_before,
            "wages_exception": self.wages_exception,
            "provisional": self.provisional,
            "text": " ".join(words(t, locale) for t in self.texts(audience)),
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
    claim: dict[str, Any],
    received_at: datetime,
    calendar: WorkCalendar,
    ended_at: datetime | None = None,
    worker_applies: bool = True,
) -> Limitation:
    """The limitation of a case: from `claim`'s dates, interrupted by the application received at `received_at`,
    counted again from `ended_at` when the mediation ended without agreement. `worker_applies`: the applicant is the
    worker (the wage exception of art. 27 ¶4 is the worker's; an employer applicant is never told of it)."""
    known = _day(claim.get("dispute_known_on"))
    employment_ended = _day(claim.get("employment_ended"))
    starts = known or employment_ended
    received = shanghai_date(received_at)
    provisional = False
    before = None
    if starts is not None:
        before, provisional = one_year_after(starts, calendar)
    ran_out_before = before is not None and before < received
    last_day = None
    if not ran_out_before:  # art. 27 ¶2 read literally: the year runs again from the interruption
        last_day, safe_provisional = one_year_after(received, calendar)
        provisional = provisional or safe_provisional
    ends = ended = None
    if ended_at is not None:  # 民法典 art. 195: from the end of the procedure concerned
        ended = shanghai_date(ended_at)
        ends, later_provisional = one_year_after(ended, calendar)
        provisional = provisional or later_provisional
    return Limitation(
        starts,
        before,
        received,
        ends,
        last_day,
        provisional,
        ran_out_before,
        worker_applies and employment_ended is None,
        ended,
    )


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None
