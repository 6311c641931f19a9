"""What the law and the documents need of a centre, read in one place so it can move (centres become data).

Today these are fields of settings.Centre (config.yaml); `rules_of` is the one function that reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from i18n import text
from services.core.context import ServiceContext
from services.directory.regions import regions


@dataclass(frozen=True)
class CentreRules:
    basic_court: str  # where the centre sits: judicial confirmation (民事诉讼法 art. 205)
    arbitration_commissions: Mapping[str, str]  # region code -> commission, where not named after the county
    respondent_answer_days: int  # working days the respondent has to answer the invitation
    invite_respondent_on: str  # "accept" or "submit"
    region_codes: tuple[str, ...]


def rules_of(ctx: ServiceContext, centre_id: str) -> CentreRules:
    """The rules of a centre; a centre no longer configured keeps the defaults (its old cases stay readable)."""
    centre = next((c for c in ctx.settings.centres if c.id == centre_id), None)
    if centre is None:
        return CentreRules("", {}, 5, "accept", ())
    return CentreRules(centre.basic_court, dict(centre.arbitration_commissions), centre.respondent_answer_days,
                       centre.invite_respondent_on, centre.region_codes)  # fmt: skip


def county_of(code: str | None) -> str:
    """The county-level code above a township's (9 digits), or the code itself."""
    return (code or "")[:6]


def case_region(doc: Mapping[str, Any]) -> str:
    """The region of a case: the employer's domicile as given (the worker's respondent or the employer)."""
    employer = doc["respondent"] if doc.get("kind") == "worker" else doc.get("applicant") or {}
    address = employer.get("address") if isinstance(employer, Mapping) else None
    return county_of(address.get("region_code")) if isinstance(address, Mapping) else ""


def arbitration_commission(ctx: ServiceContext, doc: Mapping[str, Any]) -> str:
    """The arbitration commission of the case's region (劳动争议调解仲裁法 art. 21: where the contract is performed
    or the employer sits): one a centre configured for the region, else the county's own commission, else the
    centre's region's."""
    rules = rules_of(ctx, doc["centre"]["id"])
    for code in (case_region(doc), *rules.region_codes):
        if code in rules.arbitration_commissions:
            return rules.arbitration_commissions[code]
        name = regions().full_name(code) if code else ""
        if name:
            return text("document.commission_of", region=name)
    return ""


def basic_court_of_region(code: str) -> str:
    """The basic court of a county-level region (a payment order goes to the debtor's, 民事诉讼法 art. 225)."""
    region = regions().get(county_of(code))
    if region is None or region.level != "county":
        return ""
    return text("document.court_of", region=regions().full_name(region.code))
