"""What a front needs before anyone applies: the notice (告知书) in force, and every list of codes with its labels.

One source for the H5 pages, the mini-program (`GET /api/notice`, `GET /api/reference`) and the portal, in the
caller's language (labels not yet translated fall back to Chinese).
"""

from __future__ import annotations

from typing import Any

from i18n import DEFAULT_LOCALE, Words, catalogue, text
from services.core.context import ServiceContext
from services.directory import nationalities
from services.intake import validation as spec

# The lists of the reference data (docs/contracts.md#reference-data-guidance-and-progress-public):
# name in the answer -> (table of words, codes).
LISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id_types": ("id_type", spec.ID_TYPES),
    "genders": ("gender", spec.GENDERS),
    "educations": ("education", spec.EDUCATION),
    "industries": ("industry", spec.INDUSTRIES),
    "natures": ("nature", spec.NATURES),
    "venues": ("venue", spec.VENUES),
}


def notice(ctx: ServiceContext, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The notice an applicant accepts now: its version (what `consent.version` must say), title and text."""
    version = ctx.settings.consent_versions[-1]
    key = f"notice.{version}.text"
    body = text(key, locale) if catalogue().has(key) else ""
    return {
        "version": version,
        "title": text("notice.title", locale),
        "text": body,
        "paragraphs": [line for line in body.splitlines() if line.strip()],
    }


def labelled(table: str, codes: tuple[str, ...], locale: str = DEFAULT_LOCALE) -> list[dict[str, str]]:
    words = Words(locale)
    return [{"code": code, "label": words.label(table, code)} for code in codes]


async def reference(ctx: ServiceContext, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """Every list of codes an application uses, each code with its label; nationalities in the order lists offer
    them (China, then the most chosen, then by pinyin: services/directory/nationalities.py)."""
    out: dict[str, Any] = {name: labelled(table, codes, locale) for name, (table, codes) in LISTS.items()}
    ranked = await nationalities.ranked(ctx)
    out["nationalities"] = [{"code": c, "label": label} for c, label in nationalities.labelled(ranked, locale)]
    return out
