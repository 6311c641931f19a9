"""How the person (P) file finds a person's cases in any role: keyed lookup hashes of every identity number."""

from __future__ import annotations

from typing import Any

from services.core.context import ServiceContext


def id_hashes(ctx: ServiceContext, application: dict[str, Any]) -> list[str]:
    """The lookup hashes (keyed SM3, as portal accounts use) of every identity number of an application:
    the applicant's, the respondent's and an employer's contact's. Stored with the case, never the numbers."""
    applicant, respondent = application.get("applicant") or {}, application.get("respondent") or {}
    numbers = (applicant.get("id_number"), respondent.get("id_number"), applicant.get("contact_id_number"))
    return sorted({ctx.cipher.lookup_hash(n, "id_number") for n in numbers if isinstance(n, str) and n})
