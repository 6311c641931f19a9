"""What the service processes, of whom, why and on which basis: one table, read by the privacy notice (the page
`/privacy`, `GET /api/privacy`, the respondent's first visit) and checked against the impact assessment in
docs/privacy.md (tests/services/privacy/test_inventory.py), so that the notice a party reads and the assessment
agree (个人信息保护法 arts. 17, 30, 55-56).

Each entry's words are the catalogue's `privacy.item.<id>.{title,data,purpose,who,where,how_long}`; the basis is one
of BASES (`privacy.basis.<basis>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from i18n import DEFAULT_LOCALE, text
from services.accounts import consents

# Legal bases (个人信息保护法 art. 13): the centre's statutory duty to handle a case (art. 13(3); arts. 34-35 where
# the centre is a state organ, 调解仲裁法 arts. 10-14 for what a case records), human-resources management of staff
# (art. 13(2)), security of the service (art. 51: records of who looked), and consent (art. 13(1)).
BASES = ("statutory_duty", "staff_management", "security", "consent")
# Whose data: the parties of a case (an applicant, a respondent, a court's or an institute's delegated parties), staff.
PERSONS = ("applicant", "respondent", "delegated", "staff")
WORDS = ("title", "data", "purpose", "who", "where", "how_long")


@dataclass(frozen=True)
class Item:
    id: str
    persons: tuple[str, ...]
    basis: str
    sensitive: bool  # sensitive personal data may be among it (art. 28; GB/T 35273-2020 appendix B)


PARTIES = ("applicant", "respondent", "delegated")
ITEMS: tuple[Item, ...] = (
    Item("identity", PARTIES, "statutory_duty", sensitive=True),  # ID numbers
    Item("contact", PARTIES, "statutory_duty", sensitive=False),
    Item("dispute", PARTIES, "statutory_duty", sensitive=True),  # wages, a work injury's health facts
    Item("evidence", PARTIES, "statutory_duty", sensitive=True),
    Item("signatures", PARTIES, "statutory_duty", sensitive=False),
    Item("sign_in", ("applicant", "respondent", "delegated"), "statutory_duty", sensitive=True),  # a card's ID number
    Item("drafts", ("applicant",), "statutory_duty", sensitive=True),
    Item("notifications", PARTIES, "statutory_duty", sensitive=False),
    Item("docking", ("delegated",), "statutory_duty", sensitive=True),
    Item("audit", (*PARTIES, "staff"), "security", sensitive=False),
    Item("staff", ("staff",), "staff_management", sensitive=False),
    *(Item(f"consent_{p.id}", ("applicant", "respondent"), "consent", p.sensitive) for p in consents.OPTIONAL.values()),
)


def notice(locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The privacy notice's content in `locale`: who processes, each entry, the rights and how to use them."""
    return {
        "controller": text("privacy.controller", locale),
        "items": [
            {
                "id": item.id,
                "persons": [text(f"privacy.person.{p}", locale) for p in item.persons],
                "basis": item.basis,
                "basis_text": text(f"privacy.basis.{item.basis}", locale),
                "sensitive": item.sensitive,
                **{word: text(f"privacy.item.{item.id}.{word}", locale) for word in WORDS},
            }
            for item in ITEMS
        ],
        "rights": [
            text(f"privacy.right.{right}", locale) for right in ("see", "copy", "correct", "delete", "withdraw")
        ],
        "contact": text("privacy.contact", locale),
    }
