"""Nationalities: the states a person can be a national of (ISO 3166-1 alpha-3), their standard Chinese short names,
and the order a list offers them in: China first, then by how often applicants chose them, then by pinyin.

Hong Kong, Macao and Taiwan are parts of China, not nationalities: their residents are Chinese nationals
(国籍法 art. 4; the residence permits of 港澳台居民居住证申领发放办法 are issued to Chinese citizens), who choose
"中国" and prove themselves with a permit. Other codes of ISO 3166-1 that name a dependent territory or an
uninhabited place, not a state, are no nationality either. Names come from the catalogue's
`label.country.<code>` where pycountry's translation is not the standard short name (i18n.country_name).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import pycountry
from pypinyin import lazy_pinyin

from i18n import DEFAULT_LOCALE, country_name
from services.core.context import ServiceContext

CHINA = "CHN"
PARTS_OF_CHINA = frozenset({"HKG", "MAC", "TWN"})
# ISO 3166-1 codes of territories that are not states (their people hold the nationality of a state listed).
TERRITORIES = frozenset(
    {
        "ABW",
        "AIA",
        "ALA",
        "ASM",
        "ATA",
        "ATF",
        "BES",
        "BLM",
        "BMU",
        "BVT",
        "CCK",
        "COK",
        "CUW",
        "CXR",
        "CYM",
        "ESH",
        "FLK",
        "FRO",
        "GGY",
        "GIB",
        "GLP",
        "GRL",
        "GUF",
        "GUM",
        "HMD",
        "IMN",
        "IOT",
        "JEY",
        "MAF",
        "MNP",
        "MSR",
        "MTQ",
        "MYT",
        "NCL",
        "NFK",
        "NIU",
        "PCN",
        "PRI",
        "PYF",
        "REU",
        "SGS",
        "SHN",
        "SJM",
        "SPM",
        "SXM",
        "TCA",
        "TKL",
        "UMI",
        "VGB",
        "VIR",
        "WLF",
    }
)
CHOICES = "choices"  # how often each value of a list was chosen: {_id: "nationality", counts: {"KOR": 3, ...}}
RANKING_SECONDS = 600  # a process reads the counts again after this long


def is_nationality(code: str) -> bool:
    return code not in PARTS_OF_CHINA and code not in TERRITORIES and pycountry.countries.get(alpha_3=code) is not None


@lru_cache(maxsize=4)
def by_pinyin(locale: str = DEFAULT_LOCALE) -> tuple[str, ...]:
    """Every nationality's code, China first, the others by the pinyin of their Chinese names (then the name)."""
    codes = [c.alpha_3 for c in pycountry.countries if is_nationality(c.alpha_3) and c.alpha_3 != CHINA]
    names = {code: country_name(code, DEFAULT_LOCALE) for code in codes}
    return (CHINA, *sorted(codes, key=lambda code: (lazy_pinyin(names[code]), names[code])))


def ordered(counts: dict[str, int]) -> list[str]:
    """China first, then the most chosen, then by pinyin (`counts`: times chosen by code)."""
    base = by_pinyin()
    place = {code: i for i, code in enumerate(base)}
    rest = sorted(base[1:], key=lambda code: (-counts.get(code, 0), place[code]))
    return [CHINA, *rest]


_ranking: dict[str, Any] = {"at": 0.0, "codes": None}


async def ranked(ctx: ServiceContext) -> list[str]:
    """The order lists offer nationalities in, from the counts (read at most every RANKING_SECONDS)."""
    now = time.monotonic()
    if _ranking["codes"] is None or now - _ranking["at"] > RANKING_SECONDS:
        doc = await ctx.db[CHOICES].find_one({"_id": "nationality"}) or {}
        counts = {code: int(n) for code, n in (doc.get("counts") or {}).items()}
        _ranking.update(at=now, codes=ordered(counts))
    return list(_ranking["codes"])


def forget_ranking() -> None:
    """Read the counts again at the next ranking (tests, and after an import of cases)."""
    _ranking.update(at=0.0, codes=None)


async def count_chosen(ctx: ServiceContext, codes: list[str | None]) -> None:
    """One more choice of each nationality given (a submitted application's parties). China is always first in
    the lists, so it is not counted: most submissions then cost no command here."""
    chosen = [code for code in codes if code and code != CHINA and is_nationality(code)]
    if chosen:
        counts: dict[str, int] = {}
        for code in chosen:
            counts[f"counts.{code}"] = counts.get(f"counts.{code}", 0) + 1
        await ctx.db[CHOICES].update_one({"_id": "nationality"}, {"$inc": counts}, upsert=True)


def labelled(codes: list[str], locale: str = DEFAULT_LOCALE) -> list[tuple[str, str]]:
    return [(code, country_name(code, locale)) for code in codes]
