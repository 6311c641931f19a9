"""Business serial numbers (业务流水号): YYYYMMDD + 5-digit daily sequence + a Luhn check digit.

Issued here; read from what people type by services/core/codes.py (`read_serial`)."""

from __future__ import annotations

from datetime import date

from stdnum import luhn

DAILY_LIMIT = 99_999


def make_serial(day: date, sequence: int) -> str:
    if not 1 <= sequence <= DAILY_LIMIT:
        raise ValueError(f"daily sequence {sequence} out of range")
    body = f"{day:%Y%m%d}{sequence:05d}"
    return body + luhn.calc_check_digit(body)
