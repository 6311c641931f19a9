"""Which mediation centre a case goes to, and the region codes (GB/T 2260) that decided it."""

from __future__ import annotations

from typing import Any

from services.intake.validation import address_text
from settings import Settings


def route_case(settings: Settings, application: dict[str, Any]) -> dict[str, Any]:
    """Route by the place the applicant chose (`claim.venue`): the employer's domicile (its region's name and
    street) or the work location.

    A centre is chosen when one of its configured place names appears in that address; otherwise
    the default centre takes the case. The rule that decided is recorded with the case.
    """
    venue = application["claim"].get("venue", "employer_location")
    if venue == "work_location":
        place = application["applicant"].get("work_location", "")
    elif application["kind"] == "worker":
        place = address_text(application["respondent"].get("address"))
    else:
        place = address_text(application["applicant"].get("address"))
    for centre in settings.centres:
        if any(name and name in place for name in centre.match):
            return _routing(centre.id, centre.name, centre.region_codes, f"match:{venue}")
    default = settings.centre(settings.default_centre)
    return _routing(default.id, default.name, default.region_codes, "default")


def _routing(centre_id: str, name: str, region_codes: tuple[str, ...], rule: str) -> dict[str, Any]:
    return {"centre": {"id": centre_id, "name": name}, "region_codes": list(region_codes), "routing_rule": rule}
