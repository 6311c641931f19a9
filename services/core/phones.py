"""Phone numbers of every country: parsed, validated and stored in E.164 with Google's libphonenumber.

People write numbers as they write them (`13812345678`, `+86 138 1234 5678`, `+852 6123 4567`,
`021-6888 1234`); a number without `+` is taken as a mainland one (docs/contracts.md#the-application-body-in-brief).
Only mobiles receive SMS: `Phone.mobile` says whether this number can.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from services.core.idnumbers import NumberInvalid

DEFAULT_REGION = "CN"  # a number written without a country code is a mainland one
MAX_INPUT = 40
# FIXED_LINE_OR_MOBILE: countries (the US, Canada) whose numbers do not say which they are; SMS is tried.
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# A number written for people to read and dial (a centre's switchboard): kept as written, so only its characters
# and length are checked; it may be an extension or a number libphonenumber does not know yet.
_WRITTEN = re.compile(r"\+?[0-9][0-9 -]{5,24}")
_ANY_TYPES = _MOBILE_TYPES | {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.VOIP,
    PhoneNumberType.UAN,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PERSONAL_NUMBER,
}


@dataclass(frozen=True)
class Phone:
    e164: str  # +8613812345678
    mobile: bool
    region: str  # ISO 3166-1 alpha-2 of the number, "CN", "HK", ...


def parse_phone(text: str, *, mobile_only: bool = False) -> Phone:
    """A checked phone number; raises NumberInvalid (`error.invalid.phone_number` or `.not_mobile`)."""
    return _parse_phone(text or "", mobile_only)


@lru_cache(maxsize=512)  # libphonenumber costs ~0.1 ms a number; an application carries two or three (issue 24)
def _parse_phone(text: str, mobile_only: bool) -> Phone:
    value = unicodedata.normalize("NFKC", text or "").strip()  # full-width digits from Chinese keyboards
    if not value or len(value) > MAX_INPUT:
        raise NumberInvalid("error.invalid.phone_number")
    if value.startswith("00"):  # 00852... as dialled from the mainland
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except NumberParseException:
        raise NumberInvalid("error.invalid.phone_number") from None
    if not phonenumbers.is_valid_number(number):
        raise NumberInvalid("error.invalid.phone_number")
    kind = phonenumbers.number_type(number)
    if kind not in _ANY_TYPES:  # pagers, premium-rate lines: not a way to reach a party
        raise NumberInvalid("error.invalid.phone_number")
    mobile = kind in _MOBILE_TYPES
    if mobile_only and not mobile:
        raise NumberInvalid("error.invalid.phone_number.not_mobile")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, mobile, phonenumbers.region_code_for_number(number) or "")


def check_written_phone(text: str) -> str | None:
    """A phone number as written for people to read (NFKC, spaces around dropped), or None if it cannot be one.

    Not for numbers the service calls or texts: those are parsed with `parse_phone` and stored in E.164."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    return value if _WRITTEN.fullmatch(value) else None


def is_mobile(stored: str) -> bool:
    """Whether a stored number (E.164, or the 11 mainland digits kept before E.164) can receive an SMS."""
    try:
        return parse_phone(stored).mobile
    except NumberInvalid:
        return False


def e164(stored: str) -> str:
    """A stored number in E.164 (older records kept the 11 mainland digits); as it is if it cannot be read."""
    try:
        return parse_phone(stored).e164
    except NumberInvalid:
        return stored


def mask_phone(phone: str) -> str:
    """How a phone number is shown: a mainland number keeps its first 3 and last 4 digits (138****5678, 021****1234),
    another country's its code and last 4 digits (+852 ****4567)."""
    digits = phone
    if phone.startswith("+86"):
        digits = phone[3:] if phone[3:4] == "1" else "0" + phone[3:]  # a landline as dialled: 021...
    elif phone.startswith("+"):
        try:
            code = str(phonenumbers.parse(phone).country_code)
        except NumberParseException:
            code = ""
        national = phone[1 + len(code) :]
        if code and len(national) > 4:
            return f"+{code} " + "*" * (len(national) - 4) + national[-4:]
        return "*" * len(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_typed_phone(text: str) -> str:
    """A phone as someone typed it (a draft keeps what was typed: `+86 138 1234 5678`, full-width digits), masked as
    the parser reads it: 138****5678; a number the parser refuses is masked over its digits alone."""
    try:
        return mask_phone(parse_phone(text).e164)
    except NumberInvalid:
        value = unicodedata.normalize("NFKC", text or "").strip()
        digits = "".join(c for c in value if c.isascii() and c.isdigit())
        return "*" * (len(digits) - 4) + digits[-4:] if len(digits) >= 8 else "*" * len(digits)
