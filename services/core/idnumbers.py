"""Personal and company numbers: normalising and checking ID documents, credit codes and mobiles."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import pycountry
from stdnum.cn import ric, uscc

from i18n import DEFAULT_LOCALE, Msg, msg, words

ID_TYPES = (
    "resident_id",
    "hk_macao_tw_residence_permit",
    "foreign_permanent_residence",
    "passport",
    "hk_macao_pass",
    "tw_pass",
)


def doc_name(id_type: str) -> Msg:
    """The document's number as a person calls it (`id_number.name.<type>`); every message starts with it."""
    return msg(f"id_number.name.{id_type}")


def doc_names(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """Each document type with the words for its number, in the order of ID_TYPES."""
    return {id_type: doc_name(id_type).text(locale) for id_type in ID_TYPES}


PERMIT_AREAS = ("810000", "820000", "830000")  # Hong Kong, Macao, Taiwan residence permits

# Province-level codes of GB/T 2260 (mainland); the foreigners' ID carries the accepting province.
MAINLAND_PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    }
)

# GB 32100-2015: registration authority (1st character) -> allowed entity types (2nd character).
USCC_TYPES = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "123459",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 市场监管（工商）
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # digits and capitals without I, O, Z, S, V

_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_HK_MACAO_PASS = re.compile(r"[HM]([0-9]{8}|[0-9]{10})")
_TW_PASS = re.compile(r"[0-9]{8}|[A-Z0-9]{10}")  # current 8 digits; older passes had 10 characters
_OLD_FOREIGN_PR = re.compile(r"([A-Z]{3})[0-9]{12}")  # cards issued before December 2023, still valid
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Separators people type inside numbers: spaces, ASCII and typographic dashes, brackets.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−()]")


class NumberInvalid(ValueError):
    """A number that cannot be right; `text` names the problem (the catalogue's `key` filled with `params`)."""

    def __init__(self, key: str, code: str = "invalid", **params: Any) -> None:
        super().__init__(key)
        self.text = msg(key, **params)
        self.code = code

    @property
    def message(self) -> str:
        """The problem in Chinese."""
        return words(self.text)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdNumber:
    """A checked identity document number, with what the number itself says about the person."""

    id_type: str
    value: str
    birth_date: date | None = None
    gender: str | None = None  # "male" | "female"


@dataclass(frozen=True)
class Uscc:
    """A well-formed unified social credit code; `check_ok` is False when the check character fails."""

    value: str
    check_ok: bool


def normalise_number(text: str) -> str:
    """Half-width, upper-case, without spaces, dashes or brackets: '３１０１１５…ｘ' -> '310115…X'."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def check_id_number(id_type: str, text: str, *, today: date) -> IdNumber:
    """Normalise and check one identity document number; raises NumberInvalid naming the problem."""
    if id_type not in ID_TYPES:
        raise NumberInvalid("error.not_allowed.id_type", "not_allowed")
    name = doc_name(id_type)
    value = normalise_number(text)
    if not value:
        raise NumberInvalid("error.required.id_number", "required", document=name)
    if id_type in ("resident_id", "hk_macao_tw_residence_permit", "foreign_permanent_residence"):
        if id_type == "foreign_permanent_residence" and _OLD_FOREIGN_PR.fullmatch(value):
            return _check_old_foreign_pr(value, name)
        return _check_eighteen(id_type, value, name, today)
    pattern = {"passport": _PASSPORT, "hk_macao_pass": _HK_MACAO_PASS, "tw_pass": _TW_PASS}[id_type]
    if not pattern.fullmatch(value):
        raise NumberInvalid(f"error.invalid.id_number.format.{id_type}", document=name)
    return IdNumber(id_type, value)


def _check_eighteen(id_type: str, value: str, name: Msg, today: date) -> IdNumber:
    """GB 11643 layout: 6-digit area, 8-digit birth date, 3-digit sequence, check digit."""
    if len(value) != 18:
        raise NumberInvalid("error.invalid.id_number.length", document=name, length=len(value))
    if not _EIGHTEEN.fullmatch(value):
        raise NumberInvalid("error.invalid.id_number.format.eighteen", document=name)
    # Tell people who picked the wrong document type rather than reporting a bare format error.
    is_permit = value[:6] in PERMIT_AREAS
    if id_type == "resident_id" and is_permit:
        raise NumberInvalid("error.invalid.id_number.is_permit", document=name)
    if id_type == "resident_id" and value[0] == "9":
        raise NumberInvalid("error.invalid.id_number.is_foreign_permanent_residence", document=name)
    if id_type == "hk_macao_tw_residence_permit" and not is_permit:
        raise NumberInvalid("error.invalid.id_number.permit_area", document=name)
    # 2023 foreigners' layout: 9, accepting province (2), nationality code (3), birth date, sequence.
    if id_type == "foreign_permanent_residence" and (value[0] != "9" or value[1:3] not in MAINLAND_PROVINCES):
        raise NumberInvalid("error.invalid.id_number.foreign_province", document=name)
    # stdnum.cn.ric.validate would refuse permits, the 9... IDs and area codes newer than the
    # holder (a 1990 Pudong 310115 number), so only its check-digit function is used.
    if ric.calc_check_digit(value) != value[17]:
        raise NumberInvalid("error.invalid.id_number.check_digit", document=name)
    birth = _birth_date(value[6:14], name, today)
    gender = "male" if int(value[16]) % 2 else "female"  # odd sequence numbers are men
    return IdNumber(id_type, value, birth, gender)


def _birth_date(digits: str, name: Msg, today: date) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise NumberInvalid("error.invalid.id_number.birth_date", document=name) from None
    if birth.year < 1900 or birth > today:
        raise NumberInvalid("error.invalid.id_number.birth_date", document=name)
    return birth


def _check_old_foreign_pr(value: str, name: Msg) -> IdNumber:
    """The 15-character card (nationality letters + 12 digits): format only, its layout is not public."""
    if pycountry.countries.get(alpha_3=value[:3]) is None:
        raise NumberInvalid("error.invalid.id_number.nationality", document=name)
    return IdNumber("foreign_permanent_residence", value)


@lru_cache(maxsize=512)  # an employer's code comes again with each of its workers' applications (issue 24)
def check_uscc(text: str) -> Uscc:
    """Check a unified social credit code's format (GB 32100); a failing check character is not an error.

    Some codes really issued fail the check character, so the caller flags them for review instead.
    """
    value = normalise_number(text)
    if len(value) != 18:
        raise NumberInvalid("error.invalid.uscc.length", length=len(value))
    if any(c not in USCC_ALPHABET for c in value):
        raise NumberInvalid("error.invalid.uscc.characters")
    if value[1] not in USCC_TYPES.get(value[0], ""):
        raise NumberInvalid("error.invalid.uscc.authority_and_type")
    if not value[2:8].isdigit():
        raise NumberInvalid("error.invalid.uscc.area")
    return Uscc(value, uscc.calc_check_digit(value) == value[17])


def normalise_mobile(text: str) -> str:
    """A mainland mobile number as 11 digits; accepts +86/0086/86 prefixes, spaces and dashes."""
    value = normalise_number(text)
    for prefix in ("+86", "0086", "86"):
        if value.startswith(prefix) and len(value) == len(prefix) + 11:
            value = value[len(prefix) :]
            break
    if not _MOBILE.fullmatch(value):
        raise NumberInvalid("error.invalid.mobile_number")
    return value
