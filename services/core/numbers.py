"""Whole numbers and quantities as people and programs send them: the one parser of each for every front.

A whole number (a page, a version, a term's number, days, a year, a header's byte count or timestamp) is ASCII
digits after NFKC (full-width `３` is 3), or a JSON integer; never a sign, a point, an exponent or another
script's digits (`"²".isdigit()` is true, and int("²") fails: the shape is checked here, not by isdigit). A
quantity (hours, years of service, days of leave) is digits with an optional decimal part, or a JSON number.
Ranges are the caller's: `parse_whole` checks the one it is given and refuses with the caller's words.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Final

from services.core.errors import invalid
from services.core.text import half_width

WHOLE: Final = re.compile(r"[0-9]{1,18}")  # up to 10**18: any count or timestamp, never a bignum to build
QUANTITY: Final = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")


def read_whole(value: object) -> int | None:
    """The whole number a value is (`"12"`, `"１２"`, 12), or None (True and 12.0 are no whole numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = half_width(value)
        return int(text) if WHOLE.fullmatch(text) else None
    return None


def parse_whole(value: object, field: str, low: int, high: int, key: str, /, **params: Any) -> int:
    """The whole number of `field`, from `low` to `high`, or a 422 naming the field with the catalogue's `key`."""
    number = read_whole(value)
    if number is None or not low <= number <= high:
        raise invalid(field, "invalid", key, **params)
    return number


def read_quantity(value: object) -> Decimal | None:
    """The quantity a value is (`"7.5"`, `"７．５"`, 7.5, 8), never negative, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        value = repr(value) if math.isfinite(value) else ""
    if not isinstance(value, str):
        return None
    text = half_width(value)
    return Decimal(text) if QUANTITY.fullmatch(text) else None
