"""Days, months and moments as people and partners write them: the one parser of each for every front and service.

A day is `YYYY-MM-DD` and nothing else (date.fromisoformat alone would also take `20260301` and the week date
`2026-W01-1`); a month is `YYYY-MM`; a moment is an ISO 8601 date and time (`2026-12-01T09:30`, with or without
its offset). Full-width digits and dashes are read as ASCII (NFKC), the spaces around are dropped, and digits of
other scripts are refused. What range a field admits (not in the future, within a year) is the field's rule,
checked by its caller; `parse_*` refuse a text of the wrong shape with a 422 naming the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Final

from services.core.errors import invalid
from services.core.text import half_width

DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONTH: Final = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
# A moment's time after the day: hours and minutes at least, seconds and their fractions, an offset or Z.
_TIME: Final = re.compile(r"[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?")


def _text(value: object) -> str:
    return half_width(value) if isinstance(value, str) else ""


def read_date(value: object) -> date | None:
    """The day a text names (`2026-03-01`, `２０２６－０３－０１`), or None."""
    text = _text(value)
    if not DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None


def parse_date(value: object, field: str, key: str, **params: Any) -> date:
    """The day of `field`, or a 422 naming it with the catalogue's `key` (the field's own words)."""
    day = read_date(value)
    if day is None:
        raise invalid(field, "invalid", key, **params)
    return day


def read_month(value: object) -> date | None:
    """The first day of the month a text names (`2026-03`), or None."""
    text = _text(value)
    if not MONTH.fullmatch(text):
        return None
    return date(int(text[:4]), int(text[5:]), 1)


def read_moment(value: object) -> datetime | None:
    """The moment a text names (`2026-12-01T09:30`, `2026-12-01T09:30:00+08:00`), naive when it gives no offset
    (the caller knows whose clock it is), or None."""
    text = _text(value)
    if not (DAY.fullmatch(text[:10]) and _TIME.fullmatch(text[10:])):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:  # 25:00, a 30th of February
        return None
