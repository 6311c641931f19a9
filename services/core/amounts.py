"""Amounts of money in yuan, as people type them: the one parser every front and service uses.

After NFKC (a Chinese keyboard's full-width `１２，０００．５０` is `12,000.50`) and without the spaces around it,
an amount is ASCII digits with at most two decimals (`12000`, `12000.5`, `12000.00`), or the same digits
grouped by thousands (`12,000.00`). Refused: a sign (`-0` too), an exponent (`1e3`), `NaN`, a separator out
of place (`1,20,000`, `12,0000`), a third decimal, another script's digits. A JSON integer or float is read
as the text it is written with (`12000`, `12000.5`), so the same rule decides.

Each field that holds an amount is named in `FIELDS` with its ceiling and whether zero is an answer there;
every refusal is a 422 naming the field, its words from the catalogue (`error.amount.<problem>`, with the
field's label `amount.label.<field>`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from i18n import msg
from services.core.errors import ValidationFailed, field_error
from services.core.text import half_width

CENT: Final = Decimal("0.01")
MAX_LENGTH: Final = 20  # characters, after NFKC: "100,000,000.00" has 14; longer is a slip (or a paste of zeros)
HUNDRED_MILLION: Final = Decimal("100000000.00")

# ASCII digits only: re's \d would take other scripts' digits, which NFKC leaves as they are.
PLAIN: Final = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
GROUPED: Final = re.compile(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]{1,2})?")
_SIGNED: Final = re.compile(r"-([0-9][0-9,]*)(\.[0-9]+)?")
_LONG_DECIMALS: Final = re.compile(r"([0-9]+|[0-9]{1,3}(,[0-9]{3})*)\.[0-9]{3,}")
_LOOSE_GROUPS: Final = re.compile(r"[0-9][0-9,]*(\.[0-9]+)?")

# The same rule as regular-expression text for the OpenAPI documents (Python's and ECMAScript's alike): ASCII
# and full-width digits, commas and points (what NFKC makes ASCII that people actually type), spaces around.
_D, _COMMA, _POINT = "[0-9０-９]", "[,，]", "[.．]"
PATTERN: Final = rf"{_D}+({_POINT}{_D}{{1,2}})?|{_D}{{1,3}}({_COMMA}{_D}{{3}})*({_POINT}{_D}{{1,2}})?"
REQUIRED_PATTERN: Final = rf"^\s*({PATTERN})\s*$"
OPTIONAL_PATTERN: Final = rf"^\s*({PATTERN})?\s*$"


@dataclass(frozen=True)
class AmountField:
    """One field holding an amount: its ceiling, and whether 0.00 is an answer there (`why` says why)."""

    cap: Decimal
    zero: bool
    why: str

    @staticmethod
    def label(name: str) -> str:
        """The catalogue key of the field's name, which every message about it starts with."""
        return f"amount.label.{name}"


# Every field of the service that holds an amount. Zero is admitted only where nothing in money is a true answer.
FIELDS: Final[Mapping[str, AmountField]] = {
    # The application's claim (services/intake/validation.py); "0", empty or absent: nothing claimed.
    "claim": AmountField(HUNDRED_MILLION, True, "a claim may ask for no money: a dismissal undone, a certificate"),
    # The respondent's counter-proposal (services/cases/respondent.py); empty: no amount named.
    "proposal": AmountField(HUNDRED_MILLION, True, "a proposal may offer terms without money: reinstatement"),
    # The amount in dispute a court or institute delegates (services/court/delegations.py); absent: 0.00.
    "delegated_claim": AmountField(HUNDRED_MILLION, True, "a delegated dispute may be over no money"),
    # A standard request item the mediator writes (services/cases/clarification.py); empty: 0.00.
    "request_item": AmountField(Decimal("999999999.99"), True, "an item may ask for no money: a certificate"),
    # A term of the settlement agreement (services/cases/signing.py); empty: 0.00.
    "agreement_term": AmountField(Decimal("999999999.99"), True, "a term may carry no money: an apology"),
    # The amount a person answers in the triage (services/intake/triage.py); empty: not known.
    "triage": AmountField(HUNDRED_MILLION, True, "owed nothing in money is an answer, and within every threshold"),
    # A local minimum or average wage an administrator enters (services/directory/local_figures.py).
    "local_figure": AmountField(Decimal("1000000"), False, "a wage of 0 is a slip: every claim would exceed 12 x 0"),
    # The calculator's figures (services/intake/calculator.py): each multiplies the result.
    "monthly_wage": AmountField(Decimal("10000000"), False, "a wage of 0 makes every result 0, whatever happened"),
    "local_average_monthly_wage": AmountField(Decimal("10000000"), False, "it caps the wage: 0 makes the result 0"),
    "local_minimum_monthly_wage": AmountField(Decimal("10000000"), False, "it is the floor of the wage: never 0"),
}


def _text(value: object) -> str | None:
    """The text an amount is written with: a string as typed (NFKC, stripped), a JSON number as written."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return half_width(value)
    return None


def _problem(text: str) -> str:
    """Why a text that is no amount is not one: the most helpful of the catalogue's words."""
    if _SIGNED.fullmatch(text):
        return "negative"
    if _LONG_DECIMALS.fullmatch(text):
        return "decimals"
    if "," in text and _LOOSE_GROUPS.fullmatch(text):
        return "separators"
    return "format"


_CODES: Final = {
    "required": "required",
    "format": "invalid",
    "decimals": "invalid",
    "separators": "invalid",
    "negative": "out_of_range",
    "zero": "out_of_range",
    "too_large": "out_of_range",
}


def _refused(field: str, path: str, problem: str, **params: object) -> ValidationFailed:
    label = msg(AmountField.label(field))
    return ValidationFailed(
        [field_error(path or field, _CODES[problem], f"error.amount.{problem}", label=label, **params)]
    )


def read_amount(value: object) -> Decimal | None:
    """The amount a value is written as (to the cent, never -0.00), whatever the field; None if it is none.

    For showing and adding what a person typed; a field's value is checked with `parse_amount`."""
    text = _text(value)
    if not text or len(text) > MAX_LENGTH or not (PLAIN.fullmatch(text) or GROUPED.fullmatch(text)):
        return None
    return Decimal(text.replace(",", ""))


def is_blank(value: object) -> bool:
    """Nothing given: absent, null, or only spaces (full-width ones too)."""
    return value is None or (isinstance(value, str) and not half_width(value))


def parse_amount(value: object, field: str, *, path: str = "") -> Decimal:
    """The amount of `field` (a name of FIELDS) to the cent, or a 422 naming `path` (default: the field).

    Nothing given is refused as required: a field where that means something calls `optional_amount`."""
    rule = FIELDS[field]
    if is_blank(value):
        raise _refused(field, path, "required")
    text = _text(value)
    if text is None:
        raise _refused(field, path, "format")
    amount = read_amount(text)
    if amount is None:
        raise _refused(field, path, "format" if len(text) > MAX_LENGTH else _problem(text))
    if amount > rule.cap:  # before quantize: a 40-digit number exceeds the context's precision there
        raise _refused(field, path, "too_large", limit=rule.cap)
    if amount == 0 and not rule.zero:
        raise _refused(field, path, "zero")
    return amount.quantize(CENT)


def optional_amount(value: object, field: str, *, path: str = "") -> Decimal | None:
    """As `parse_amount`, but None when nothing is given (what that means is the field's business)."""
    return None if is_blank(value) else parse_amount(value, field, path=path)


def fen(amount: Decimal | str) -> int:
    """An amount (a checked or stored one, "12000.50") in fen, the unit the counters and reports add up."""
    return int(Decimal(amount) * 100)
