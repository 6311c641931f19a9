"""Business serial numbers (业务流水号): YYYYMMDD + 5-digit daily sequence + a Luhn check digit."""

from __future__ import annotations

import re
from datetime import date

from stdnum import luhn

SERIAL_PATTERN = re.compile(r"^\d{14}$")
DAILY_LIMIT = 99_999


def make_serial(day: date, sequence: int) -> str:
    if not 1 <= sequence <= DAILY_LIMIT:
        raise ValueError(f"daily sequence {sequence} out of range")
    body = f"{day:%Y%m%d}{sequence:05d}"
    return body + luhn.calc_check_digit(body)


SERIAL_SHAPE = re.compile(r"\d{14}")  # what a serial looks like before its check digit is checked


def is_well_formed_serial(text: str) -> bool:
    """True for 14 digits whose last is the Luhn check digit: a mistyped serial fails before any lookup."""
    return bool(SERIAL_PATTERN.match(text)) and luhn.is_valid(text)
