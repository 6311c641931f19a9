"""What the law and the documents need of a centre, read in one place: the centre's data in the directory.

Centres are data (services/directory/centres.py): config.yaml's per-centre fields (`basic_court`,
`arbitration_commissions`, `respondent_answer_days`, `invite_respondent_on`) seed the centre's `settings` in the
database, and `rules_of` is the one function that reads them there; a centre made later by an administrator
has the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from i18n import text
from services.core.context import ServiceContext
from services.directory import centres
from services.directory.regions import regions

DEFAULT_ANSWER_DAYS = 5
INVITE_WHEN = ("accept", "submit")


@dataclass(frozen=True)
class CentreRules:
    basic_court: str  # where the centre sits: judicial confirmation (民事诉讼法 art. 205)
    arbitration_commissions: Mapping[str, str]  # region code -> commission, where not named after the county
    respondent_answer_days: int  # working days the respondent has to answer the invitation
    invite_respondent_on: str  # "accept" or "submit"
    region_codes: tuple[str, ...]


async def rules_of(ctx: ServiceContext, centre_id: str) -> CentreRules:
    """The rules of a centre from the directory (this process's snapshot); a centre no longer known keeps the
    defaults (its old cases stay readable). Without a court of its own, the basic court of the county it serves."""
    centre = (await centres.directory(ctx)).get(centre_id)
    if centre is None:
        return CentreRules("", {}, DEFAULT_ANSWER_DAYS, "accept", ())
    own = centre.settings
    commissions = own.get("arbitration_commissions") or {}
    days = own.get("respondent_answer_days")
    invite = own.get("invite_respondent_on")
    court = own.get("basic_court") or next(filter(None, map(basic_court_of_region, centre.region_codes)), "")
    return CentreRules(
        basic_court=str(court),
        arbitration_commissions={str(k): str(v) for k, v in dict(commissions).items()},  # a mapping, or its pairs
        respondent_answer_days=int(days) if isinstance(days, int) and days > 0 else DEFAULT_ANSWER_DAYS,
        invite_respondent_on=invite if invite in INVITE_WHEN else "accept",
        region_codes=centre.region_codes,
    )


def county_of(code: str | None) -> str:
    """The county-level code above a township's (9 digits), or the code itself."""
    return (code or "")[:6]


def case_region(doc: Mapping[str, Any]) -> str:
    """The region of a case: the employer's domicile as given (the worker's respondent or the employer)."""
    employer = doc["respondent"] if doc.get("kind") == "worker" else doc.get("applicant") or {}
    address = employer.get("address") if isinstance(employer, Mapping) else None
    return county_of(address.get("region_code")) if isinstance(address, Mapping) else ""


async def arbitration_commission(ctx: ServiceContext, doc: Mapping[str, Any]) -> str:
    """The arbitration commission of the case's region (劳动争议调解仲裁法 art. 21: where the contract is performed
    or the employer sits): one a centre configured for the region, else the county's own commission, else the
    centre's region's."""
    rules = await rules_of(ctx, doc["centre"]["id"])
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
