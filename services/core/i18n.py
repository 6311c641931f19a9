"""The message catalogue: every word a person reads, by key and language, from gettext .po files read with Babel.

Keys name what a message is (`error.case_not_found`, `status.accepted`, `move.accept`); the words live
in `locale/<language>/LC_MESSAGES/<domain>.po`, one domain per room of services (core, accounts, cases,
intake, notify, ...). Chinese (`zh_CN`) is complete and is the fallback; a second language is a
translation of the same keys. Messages are Python format strings (`{name}`): a parameter may itself be
a `Msg` (put into words in the same language) or a mapping of language to text (words that came from
elsewhere already translated, e.g. docgen's refusals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
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
