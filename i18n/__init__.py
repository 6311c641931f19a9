"""The message catalogue: every word a person reads, by key and language, from gettext .po files read with Babel.

Keys name what a message is (`error.case_not_found`, `status.accepted`, `label.gender.male`); the words
live beside this file in `<language>/LC_MESSAGES/<domain>.po`, one domain per room (core, accounts,
cases, intake, notify, documents, web). Chinese (`zh_CN`) is complete and is the fallback; a second
language is a translation of the same keys. A message is a Python format string (`{name}`): a parameter
may itself be a `Msg` (put into words in the same language) or a mapping of language to text (words
that came from elsewhere already translated, e.g. docgen's refusals). Everything above the ground
floor may use it: services, handlers, and the documents' vocabulary given to docgen.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")


@dataclass(frozen=True)
class Msg:
    """A message not yet put into words: a catalogue key and its parameters."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    def text(self, locale: str = DEFAULT_LOCALE) -> str:
        return catalogue().text(self.key, locale, dict(self.params))

    def __str__(self) -> str:
        return self.text()


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, tuple(params.items()))


def text(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """The words of `key` in `locale` (Chinese where the language lacks them)."""
    return catalogue().text(key, locale, params)


def best_locale(accept_language: str) -> str:
    """The language of LOCALES an `Accept-Language` header prefers most (RFC 9110 §12.5.4), else Chinese:
    `en-US,en;q=0.8` is en, `zh-TW` is zh_CN (the one Chinese we write), `*` or nothing is Chinese."""
    ranked = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.strip().lower().split("-")[0].split("_")[0]
        if quality > 0 and language:
            ranked.append((-quality, position, language))
    for _, _, language in sorted(ranked):
        found = next((locale for locale in LOCALES if locale.lower().split("_")[0] == language), None)
        if found:
            return found
    return DEFAULT_LOCALE


def words(value: Msg | str, locale: str = DEFAULT_LOCALE) -> str:
    return value.text(locale) if isinstance(value, Msg) else value


class Catalogue:
    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self.messages = {locale: dict(entries) for locale, entries in messages.items()}

    @classmethod
    def load(cls, folder: Path = LOCALE_DIR) -> Catalogue:
        messages: dict[str, dict[str, str]] = {}
        for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
            locale = po.parent.parent.name
            with po.open("rb") as handle:
                for message in read_po(handle, locale=locale):
                    if message.id and message.string:  # an empty translation falls back to Chinese
                        messages.setdefault(locale, {})[str(message.id)] = str(message.string)
        return cls(messages)

    def has(self, key: str, locale: str = DEFAULT_LOCALE) -> bool:
        return key in self.messages.get(locale, {})

    def keys(self, locale: str = DEFAULT_LOCALE) -> set[str]:
        return set(self.messages.get(locale, {}))

    def text(self, key: str, locale: str, params: Mapping[str, Any]) -> str:
        template = self.messages.get(locale, {}).get(key)
        if template is None:
            template = self.messages[DEFAULT_LOCALE][key]  # a key missing in Chinese is a bug: KeyError
        if not params:
            return template
        values = {name: _in(value, locale) for name, value in params.items()}
        return template.format(**values)


def _in(value: Any, locale: str) -> Any:
    if isinstance(value, Msg):
        return value.text(locale)
    if isinstance(value, Mapping):
        return value.get(locale) or value.get(DEFAULT_LOCALE, "")
    return value


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue, read once per process (the .po files ship with the code)."""
    return Catalogue.load()


@dataclass(frozen=True)
class Words:
    """The codes a case carries, in words of one language: labels of enumerations (`label.<table>.<code>`),
    document titles (`document.<kind>.title`) and country names (pycountry's own translations).

    docgen receives one (it prints Chinese documents); forms and pages use the same tables.
    """

    locale: str = DEFAULT_LOCALE

    def label(self, table: str, code: object) -> str:
        """The words for `code`; an unknown code as it is, a missing one as ""."""
        if code is None or code == "":
            return ""
        key = f"label.{table}.{code}"
        return text(key, self.locale) if catalogue().has(key) else str(code)

    def choices(self, table: str, codes: Iterable[str]) -> dict[str, str]:
        """The codes (in the order given) with their words."""
        return {code: self.label(table, code) for code in codes}

    def yes_no(self, value: object) -> str:
        """是 / 否 for a boolean, "" when unknown."""
        if value is None or value == "":
            return ""
        return text("label.yes" if value else "label.no", self.locale)

    def title(self, kind: str) -> str:
        return text(f"document.{kind}.title", self.locale)

    def country(self, code: str | None) -> str:
        """The name of an ISO 3166-1 alpha-3 country code (CHN → 中国); an unknown code as it is."""
        return country_name(code, self.locale)


@lru_cache(maxsize=1024)
def country_name(code: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """The standard short name: the catalogue's `label.country.<code>` where pycountry's translation is not it
    (大韩民国 is 韩国, 柬埔塞 is a typo of 柬埔寨), else pycountry's own translation."""
    if not code:
        return ""
    key = f"label.country.{code.upper()}"
    if catalogue().has(key, locale) or (locale == DEFAULT_LOCALE and catalogue().has(key)):
        return text(key, locale)
    country = pycountry.countries.get(alpha_3=code.upper())
    if country is None:
        return code
    return _country_translations(locale).gettext(country.name)


@lru_cache(maxsize=4)
def _country_translations(locale: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


# ---------------------------------------------------------------------------------------------
# Amounts and days as each language writes them (Babel's CLDR data), for pages and messages.

_BABEL_LOCALES = {"zh_CN": "zh_Hans_CN", "en": "en_GB"}  # British English: day before month, as the UK's services


def babel_locale(locale: str) -> str:
    return _BABEL_LOCALES.get(locale, _BABEL_LOCALES[DEFAULT_LOCALE])


@lru_cache(maxsize=4)
def _cldr(locale: str) -> Any:
    from babel import Locale

    return Locale.parse(babel_locale(locale))


@lru_cache(maxsize=4)
def _separators(locale: str) -> tuple[str, str]:
    """The group and decimal symbols of the language (CLDR, through Babel), read once."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_group_symbol(_cldr(locale)), get_decimal_symbol(_cldr(locale))


def format_money(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """An amount of yuan in words of `locale`: 8,000.00元 / CNY 8,000.00 (two places, grouped with the language's
    symbols; amounts are formatted on every page and calculation, so Babel's symbols are read once, not per call)."""
    from decimal import ROUND_HALF_UP, Decimal

    group, point = _separators(locale)
    plain = f"{Decimal(str(value)).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
    number = plain.replace(",", "\x00").replace(".", point).replace("\x00", group)
    return text("format.money", locale, amount=number)


class _PerLanguage(Mapping[str, str]):
    """A parameter put into words only in the language the message is shown in (nothing formatted twice)."""

    def __init__(self, make: Any, value: Any) -> None:
        self._make, self._value = make, value

    def __getitem__(self, locale: str) -> str:
        return self._make(self._value, locale)

    def __iter__(self) -> Any:
        return iter(LOCALES)

    def __len__(self) -> int:
        return len(LOCALES)


def money(value: Any) -> Mapping[str, str]:
    """An amount as a message parameter: put into words in whichever language the message is shown."""
    return _PerLanguage(format_money, value)


def format_day(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """A date (or an ISO `YYYY-MM-DD` string) as the language writes it: 2026年3月1日 / 1 March 2026."""
    from datetime import date

    from babel.dates import format_date

    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if value is None:
        return ""
    return format_date(value, format="long", locale=_cldr(locale))


def day(value: Any) -> Mapping[str, str]:
    """A date as a message parameter, in the language the message is shown in."""
    return _PerLanguage(format_day, value)
