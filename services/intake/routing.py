"""Which mediation centre a case goes to, and the region codes (GB/T 2260) that decided it.

The applicant chooses the place (`claim.venue`): the employer's domicile or the place of work. The case
goes to the most specific active centre serving that place's region code, falling back up the levels
(township, district, city, province); the rule that decided is recorded with the case (`routing`).
Where the place has no region code (wave 1's free-text `street`), the code is read from the text (the
region names in it), then the old rule (a centre's place names in the text), then the region of the
employer's credit code (its characters 3-8 are the registering authority's region, GB 32100-2015), and
last the default centre.
"""

from __future__ import annotations

from typing import Any

from services.core.context import ServiceContext
from services.directory import centres
from services.directory.regions import regions
from services.intake.validation import address_text


def _place(party: dict[str, Any], *names: str) -> tuple[str, str]:
    """(region code, text) of a party's place: `address` {region_code, region_name, detail} or older free text."""
    code, texts = "", []
    for name in names:
        value = party.get(name)
        if isinstance(value, dict):
            code = code or str(value.get("region_code") or "")
            texts.append(address_text(value))
        elif isinstance(value, str):
            texts.append(value)
    return code, " ".join(t for t in texts if t)


def chosen_place(application: dict[str, Any]) -> tuple[str, str, str, str]:
    """(venue, region code, address text, employer's credit code) of the place the applicant chose."""
    venue = application["claim"].get("venue") or "employer_location"
    employer = application["respondent"] if application["kind"] == "worker" else application["applicant"]
    uscc = str(employer.get("uscc") or "")
    if venue == "work_location" and application["kind"] == "worker":
        code, place = _place(application["applicant"], "work_location", "work_address")
    else:
        code, place = _place(employer, "address", "street")
    return venue, code, place, uscc


def route(known: centres.Directory, application: dict[str, Any]) -> centres.Routed:
    venue, code, place, uscc = chosen_place(application)
    if code and code in regions():
        routed = known.route(code, venue)
        if routed:
            return routed
    located = regions().locate(place)
    if located:
        routed = known.route(located, venue)
        if routed:
            return centres.Routed(routed.centre, "text", venue, located, routed.matched_code)
    matched = known.match_text(place)
    if matched is not None:
        return centres.Routed(matched, "match", venue)
    if venue == "employer_location" and len(uscc) == 18 and uscc[2:8] in regions():
        routed = known.route(uscc[2:8], venue)
        if routed:
            return centres.Routed(routed.centre, "uscc", venue, uscc[2:8], routed.matched_code)
    return centres.Routed(known.default, "default", venue)


async def route_case(ctx: ServiceContext, application: dict[str, Any]) -> dict[str, Any]:
    """The case's `centre`, `region_codes`, `routing_rule` and `routing` (the rule, the place, the deciding code)."""
    return route(await centres.directory(ctx), application).as_case_fields()
