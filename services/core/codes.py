"""Codes people type or partners send: a case's serial, a GB/T 2260 region code, a cause code, a few digits.

Each is read the same way everywhere: NFKC first (a serial typed `２０２６…` on a Chinese keyboard is the serial
`2026…`), the spaces around dropped, then its shape in ASCII digits (re's \\d would take other scripts' digits).
Whether the code names something that exists (a region in the data, a case in the store) is for the caller to
look up; unified social credit codes and ID numbers are read in services/core/idnumbers.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from stdnum import luhn

from services.core.text import half_width

SERIAL: Final = re.compile(r"[0-9]{14}")  # 业务流水号: YYYYMMDD, a 5-digit daily sequence, a Luhn check digit
REGION: Final = re.compile(r"[0-9]{6}|[0-9]{9}")  # county level and above, or a township
CAUSE: Final = re.compile(r"[0-9]{2}(-[0-9]{2})?")  # a cause of the default taxonomy: 05, 05-01
_DIGITS: Final = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Serial:
    """A business serial of the right shape; `check_ok` is False when its Luhn check digit fails (mistyped)."""

    value: str
    check_ok: bool


def read_serial(value: object) -> Serial | None:
    """The serial a text is (14 digits after NFKC, spaces around dropped), or None for another shape."""
    text = half_width(value) if isinstance(value, str) else ""
    if not SERIAL.fullmatch(text):
        return None
    return Serial(text, luhn.is_valid(text))


def read_region_code(value: object) -> str | None:
    """A region code's shape (6 or 9 digits), or None; whether it exists is services/directory/regions.py's."""
    text = half_width(value) if isinstance(value, str) else ""
    return text if REGION.fullmatch(text) else None


def read_cause_code(value: object) -> str | None:
    """A cause code's shape (`05`, `05-01`), or None."""
    text = half_width(value) if isinstance(value, str) else ""
    return text if CAUSE.fullmatch(text) else None


def read_digits(value: object, length: int) -> str | None:
    """Exactly `length` digits (the last four of a phone), or None."""
    text = half_width(value) if isinstance(value, str) else ""
    return text if len(text) == length and _DIGITS.fullmatch(text) else None
