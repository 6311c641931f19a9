"""Checks and cleans a mediation application body (docs/contracts.md#the-application-body-in-brief), listing every
problem at once."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from i18n import Msg, msg
from services.cases import service
from services.core.amounts import fen, parse_amount
from services.core.dates import read_date
from services.core.errors import FieldError, ValidationFailed, field_error
from services.core.idnumbers import ID_TYPES, NumberInvalid, check_id_number, check_uscc
from services.core.phones import parse_phone
from services.core.text import one_line
from services.directory import nationalities
from services.directory.regions import regions

KINDS = ("worker", "employer")
GENDERS = ("male", "female")
EDUCATION = (
    "primary_or_below",
    "junior_high",
    "high_school",
    "vocational",
    "college",
    "bachelor",
    "master_or_above",
)
INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")  # the 20 sections of GB/T 4754-2017
NATURES = (
    "state_owned",
    "collective",
    "private",
    "foreign_invested",
    "hk_macao_tw_invested",
    "individual_business",
    "government_agency",
    "public_institution",
    "social_organization",
    "other",
)
VENUES = ("employer_location", "work_location")

MAX_EVIDENCE = 100
MIN_AGE, MAX_AGE = 16, 120
TOP_LEVEL = ("kind", "applicant", "respondent", "claim", "evidence", "consent", "service")

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_FILE_ID = re.compile(r"[0-9a-f]{32}")
MAX_REGION_CODE = 20  # characters of an address's region code as a draft keeps it (a real one has 6 or 9)
_PICKED = ("choice", "bool", "nationality", "address")  # fields chosen from a list: "请选择" rather than "请填写"
ONE_LINE = 200  # text fields this short are one line (names, addresses, titles); longer ones are free text


@dataclass(frozen=True)
class Spec:
    """One field: how it is checked, its length cap, and its label (used in every message), which is the
    catalogue's `field.<section>.<name>` (the key is set by its Section; the back office reads the same)."""

    kind: str = "text"  # text|choice|bool|nationality|date|birth_date|phone|address|email|uscc|id_number|amount|accept
    max_len: int = 0  # 0: no cap (choices and booleans); an address: its detail's cap
    choices: tuple[str, ...] = ()
    key: str = ""
    instead: str = ""  # another field of the section that stands for this one when given (wave 1's `street`)

    @property
    def label(self) -> Msg:
        return msg(self.key)


@dataclass(frozen=True)
class Section:
    """One object of the body. Fields not in `optional` are required in a submitted application.

    `key` names it in the catalogue: `apply.section.<key>` (its title), `field.<key>.<name>` (its fields),
    `apply.holder.<key>` (whose document the id_pair is, for messages: "申请人身份证号码校验位不正确").
    """

    key: str  # "worker.applicant", "claim", ...
    fields: dict[str, Spec]
    optional: frozenset[str] = frozenset()
    id_pair: tuple[str, str] | None = None  # (type field, number field): given together, checked together
    derive_from_id: bool = False  # gender, birth date and nationality read from a resident ID when not given

    def __post_init__(self) -> None:
        self.fields.update({name: replace(spec, key=f"field.{self.key}.{name}") for name, spec in self.fields.items()})

    @property
    def label(self) -> Msg:
        return msg(f"apply.section.{self.key}")

    @property
    def holder(self) -> Msg:
        return msg(f"apply.holder.{self.key}")


def _text(max_len: int) -> Spec:
    return Spec("text", max_len)


def _choice(choices: tuple[str, ...]) -> Spec:
    return Spec("choice", choices=choices)


# Cap for numbers before they are parsed: generous, so that a draft keeps what was typed.
_NUMBER_CAP = 30

_ADDRESS_DETAIL = 200


def _claim(optional: frozenset[str]) -> Section:
    return Section(
        "claim",
        {
            "amount": Spec("amount", 20),
            "venue": _choice(VENUES),
            "requests": _text(2000),
            "facts": _text(10000),
            # 劳动争议调解仲裁法 art. 27: the limitation runs from when the party knew (or should have
            # known) of the infringement; for unpaid wages during employment, from its end.
            "employment_started": Spec("date", 10),
            "employment_ended": Spec("date", 10),
            "dispute_known_on": Spec("date", 10),
        },
        optional=optional,
    )


SECTIONS: dict[tuple[str, str], Section] = {
    ("worker", "applicant"): Section(
        "worker.applicant",
        {
            "name": _text(50),
            "id_type": _choice(ID_TYPES),
            "id_number": Spec("id_number", _NUMBER_CAP),
            "nationality": Spec("nationality"),
            "gender": _choice(GENDERS),
            "ethnicity": _text(20),
            "birth_date": Spec("birth_date", 10),
            "education": _choice(EDUCATION),
            "phone": Spec("phone", _NUMBER_CAP),
            "email": Spec("email", 100),
            "address": _text(200),
            "mailing_address": _text(200),  # 办案规则 art. 29: 通讯地址; the address when not given
            "job_title": _text(200),
            "migrant_worker": Spec("bool"),
            "contract_signed": Spec("bool"),
            "work_location": _text(200),
        },
        optional=frozenset({"email", "ethnicity", "mailing_address"}),  # foreigners have no ethnicity
        id_pair=("id_type", "id_number"),
    ),
    ("worker", "respondent"): Section(
        "worker.respondent",
        {
            "name": _text(100),
            "uscc": Spec("uscc", _NUMBER_CAP),
            "industry": _choice(INDUSTRIES),
            "nature": _choice(NATURES),
            "address": Spec("address", _ADDRESS_DETAIL, instead="street"),  # 住所: region code + street
            "street": _text(200),  # wave 1's free text, read as an address without a region code
            "legal_representative_name": _text(50),
            "legal_representative_title": _text(50),
            "contact_name": _text(50),
            "contact_phone": Spec("phone", _NUMBER_CAP),
        },
        optional=frozenset({"uscc", "street", "legal_representative_title", "contact_name", "contact_phone"}),
    ),
    ("employer", "applicant"): Section(
        "employer.applicant",
        {
            "name": _text(100),
            "uscc": Spec("uscc", _NUMBER_CAP),
            "industry": _choice(INDUSTRIES),
            "nature": _choice(NATURES),
            "address": Spec("address", _ADDRESS_DETAIL, instead="street"),
            "street": _text(200),
            "email": Spec("email", 100),
            "is_agent": Spec("bool"),
            "contact_name": _text(50),
            "contact_phone": Spec("phone", _NUMBER_CAP),
            "contact_id_type": _choice(ID_TYPES),
            "contact_id_number": Spec("id_number", _NUMBER_CAP),
            "legal_representative_name": _text(50),
            "legal_representative_title": _text(50),
            "legal_representative_phone": Spec("phone", _NUMBER_CAP),
        },
        optional=frozenset({"uscc", "street"}),  # uscc: flagged for review when missing, not refused
        id_pair=("contact_id_type", "contact_id_number"),
    ),
    ("employer", "respondent"): Section(
        "employer.respondent",
        {
            "name": _text(50),
            "phone": Spec("phone", _NUMBER_CAP),
            "id_type": _choice(ID_TYPES),
            "id_number": Spec("id_number", _NUMBER_CAP),
            "gender": _choice(GENDERS),
            "birth_date": Spec("birth_date", 10),
            "nationality": Spec("nationality"),
            "address": _text(200),
            # 调解仲裁法 art. 28 (一): the worker's occupation is a particular of the application. No 民族: it is no
            # statutory particular, and an employer is not asked it.
            "job_title": _text(200),
        },
        optional=frozenset({"id_type", "id_number", "gender", "birth_date", "nationality", "address"}),
        id_pair=("id_type", "id_number"),
        derive_from_id=True,  # gender and birth date read from a resident ID when not typed
    ),
    # The worker's employment start is required (the limitation and the documents count from it).
    ("worker", "claim"): _claim(frozenset({"amount", "venue", "employment_ended", "dispute_known_on"})),
    ("employer", "claim"): _claim(
        frozenset({"amount", "venue", "employment_started", "employment_ended", "dispute_known_on"})
    ),
}

CONSENT = Section(
    "consent",
    {
        "version": _text(50),
        "accepted": Spec("accept"),
    },
)
# The applicant's 送达地址确认书 (services/cases/service.py): whether notices and documents are served on them through
# the platform (electronic service needs the party's consent: 民事诉讼法 art. 90; 民诉法解释 art. 136), and the
# address where they are served on paper otherwise; the same limits as a respondent's (service.parse_consent).
SERVICE = Section(
    "service",
    {
        "electronic": Spec("bool"),
        "address": _text(service.MAX_ADDRESS),
        "recipient": _text(service.MAX_RECIPIENT),
    },
    optional=frozenset({"recipient"}),
)
for _kind in KINDS:  # the guided form's step of that name (services/intake/form.py), the same for both kinds
    SECTIONS[_kind, "service"] = SERVICE


class _Bad(Exception):
    """One field's problem, raised inside the checker and collected as a FieldError (words: catalogue `key`)."""

    def __init__(self, code: str, key: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.text = msg(key, **params)


class _Checker:
    """One pass over a body; collects every error and review flag instead of stopping at the first."""

    def __init__(self, *, today: date | None, full: bool) -> None:
        self.today = today
        self.full = full  # False for drafts: nothing required, numbers and formats not checked yet
        self.errors: list[FieldError] = []
        self.flags: list[str] = []

    def error(self, path: str, code: str, key: str, **params: Any) -> None:
        self.errors.append(field_error(path, code, key, **params))

    def unknown(self, obj: dict[str, Any], allowed: Container[str], prefix: str = "") -> None:
        for key in obj:
            if key not in allowed:
                path = f"{prefix}{key}"
                self.error(path, "unknown_field", "error.unknown_field.application", name=path)

    def section(self, body: dict[str, Any], name: str, section: Section) -> dict[str, Any] | None:
        raw = body.get(name)
        if raw is None:
            if not self.full:
                return None  # a draft may not have reached this step yet
            raw = {}
        if not isinstance(raw, dict):
            self.error(name, "wrong_type", "error.wrong_type.section", label=section.label)
            return None
        self.unknown(raw, section.fields, f"{name}.")
        given = {key: _given(raw.get(key)) for key in section.fields}
        out: dict[str, Any] = {}
        for key, spec in section.fields.items():
            path = f"{name}.{key}"
            value = given[key]
            if value is None:
                if spec.instead and given.get(spec.instead) is not None:
                    continue  # wave 1's street stands for the address (below)
                if self.full and self._required(section, key, given):
                    self.errors.append(FieldError(path, "required", _required_message(spec)))
                continue
            try:
                out[key] = self.value(path, spec, value)
            except _Bad as bad:
                self.errors.append(FieldError(path, bad.code, bad.text))
            except ValidationFailed as failed:  # a parser of services/core/ names the field itself
                self.errors.extend(failed.errors)
        if self.full and "street" in out:  # wave 1's street: an address detail without a region code
            street = out.pop("street")
            out.setdefault("address", {"region_code": None, "region_name": "", "detail": street})
        if self.full and section.id_pair:
            self.id_document(name, section, section.id_pair, out)
        return out

    @staticmethod
    def _required(section: Section, key: str, given: dict[str, Any]) -> bool:
        if key not in section.optional:
            return True
        # An optional document is all or nothing: a type without a number (or the reverse) is incomplete.
        if section.id_pair and key in section.id_pair:
            other = section.id_pair[1] if key == section.id_pair[0] else section.id_pair[0]
            return given[other] is not None
        return False

    def value(self, path: str, spec: Spec, value: Any) -> Any:
        """The cleaned value of one given field, or _Bad."""
        if spec.kind in ("bool", "accept"):
            if not isinstance(value, bool):  # 1, "true", "是" are not booleans
                raise _Bad("wrong_type", "error.wrong_type.boolean", label=spec.label)
            if spec.kind == "accept" and self.full and not value:
                raise _Bad("not_accepted", "error.not_accepted.notice")
            return value
        if spec.kind == "address":
            return self.address(path, spec, value)
        if not isinstance(value, str):
            raise _Bad("wrong_type", "error.wrong_type.text", label=spec.label)
        if spec.kind == "text" and 0 < spec.max_len <= ONE_LINE:
            value = one_line(value)  # a name or an address: no tab or line break
        if spec.max_len and len(value) > spec.max_len:
            raise _Bad("too_long", "error.too_long.chars", label=spec.label, limit=spec.max_len)
        if spec.kind == "choice":
            if value not in spec.choices:
                raise _Bad("not_allowed", "error.not_allowed.choice", label=spec.label)
            return value
        if spec.kind == "nationality":
            if value in nationalities.PARTS_OF_CHINA:  # Hong Kong, Macao, Taiwan: Chinese nationals
                raise _Bad("not_allowed", "error.not_allowed.nationality_region", label=spec.label)
            if not re.fullmatch(r"[A-Z]{3}", value) or not nationalities.is_nationality(value):
                raise _Bad("not_allowed", "error.not_allowed.nationality", label=spec.label)
            return value
        if not self.full or spec.kind in ("text", "id_number"):
            return value  # drafts keep what was typed; ID numbers are checked with their type
        if spec.kind == "phone":
            try:
                return parse_phone(value).e164
            except NumberInvalid:
                raise _Bad("invalid", "error.invalid.phone", label=spec.label) from None
        if spec.kind == "email":
            if not _EMAIL.fullmatch(value):
                raise _Bad("invalid", "error.invalid.email", label=spec.label)
            return value.lower()
        if spec.kind == "uscc":
            try:
                code = check_uscc(value)
            except NumberInvalid as exc:
                raise _Bad("invalid", "intake.uscc_problem", problem=exc.text) from None
            if not code.check_ok:  # some real codes fail GB 32100's check character: a person looks
                self.flags.append(f"{path}:check_failed")
            return code.value
        if spec.kind == "birth_date":
            return self.birth_date(spec, value).isoformat()
        if spec.kind == "date":
            return self.past_date(spec, value).isoformat()
        if spec.kind == "amount":
            return f"{parse_amount(value, 'claim', path=path):.2f}"
        raise AssertionError(f"unknown field kind {spec.kind}")

    def address(self, path: str, spec: Spec, value: Any) -> dict[str, Any]:
        """A domicile: a GB/T 2260 region (county or township, as GET /api/regions serves them) and the street.

        The region's full name is kept beside its code, so a code a later release drops stays readable."""
        if not isinstance(value, dict):
            raise _Bad("wrong_type", "error.wrong_type.address", label=spec.label)
        self.unknown(value, ("region_code", "detail"), f"{path}.")
        code, detail = _given(value.get("region_code")), _given(value.get("detail"))
        for part, given in (("region_code", code), ("detail", detail)):
            if given is not None and not isinstance(given, str):
                self.error(f"{path}.{part}", "wrong_type", "error.wrong_type.text", label=spec.label)
                return {}
        if detail is not None and len(detail) > spec.max_len:
            self.error(f"{path}.detail", "too_long", "error.too_long.chars", label=spec.label, limit=spec.max_len)
        if code is not None and len(code) > MAX_REGION_CODE:  # a draft keeps what is typed, within reason
            self.error(
                f"{path}.region_code", "too_long", "error.too_long.chars", label=spec.label, limit=MAX_REGION_CODE
            )
        if not self.full:
            return {k: v for k, v in (("region_code", code), ("detail", detail)) if v is not None}
        if code is None:
            self.error(f"{path}.region_code", "required", "error.required.region", label=spec.label)
        elif (problem := region_problem(code)) is not None:
            self.error(f"{path}.region_code", problem, f"error.{problem}.address", label=spec.label, given=code[:20])
        if detail is None:
            self.error(f"{path}.detail", "required", "error.required.address_detail", label=spec.label)
        return {"region_code": code, "region_name": regions().full_name(code or ""), "detail": detail or ""}

    def past_date(self, spec: Spec, value: str) -> date:
        """A day that has come (employment, the day the dispute became known): not before 1950, not after today."""
        assert self.today is not None
        day = read_date(value)
        if day is None:
            raise _Bad("invalid", "error.invalid.date_field", label=spec.label)
        if day > self.today:
            raise _Bad("out_of_range", "error.out_of_range.future", label=spec.label)
        if day.year < 1950:
            raise _Bad("out_of_range", "error.out_of_range.too_early", label=spec.label)
        return day

    def birth_date(self, spec: Spec, value: str) -> date:
        assert self.today is not None
        birth = read_date(value)
        if birth is None:
            raise _Bad("invalid", "error.invalid.birth_date", label=spec.label)
        if birth >= self.today:
            raise _Bad("out_of_range", "error.out_of_range.birth_date", label=spec.label)
        age = self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))
        if age < MIN_AGE:
            raise _Bad("out_of_range", "error.out_of_range.too_young", label=spec.label, age=MIN_AGE)
        if age > MAX_AGE:
            raise _Bad("out_of_range", "error.out_of_range.too_old", label=spec.label, age=MAX_AGE)
        return birth

    def id_document(self, name: str, section: Section, pair: tuple[str, str], out: dict[str, Any]) -> None:
        """Check the number against its type, then what the number says against the person's fields."""
        type_key, number_key = pair
        if type_key not in out or number_key not in out:
            return  # missing or already wrong: reported above
        assert self.today is not None
        try:
            doc = check_id_number(out[type_key], out[number_key], today=self.today)
        except NumberInvalid as exc:
            self.error(
                f"{name}.{number_key}", exc.code, "intake.id_number_problem", holder=section.holder, problem=exc.text
            )
            return
        out[number_key] = doc.value
        fields = section.fields
        if section.derive_from_id:  # what the number says, where the form left it out
            if doc.birth_date:
                out.setdefault("birth_date", doc.birth_date.isoformat())
            if doc.gender:
                out.setdefault("gender", doc.gender)
            if doc.id_type == "resident_id":
                out.setdefault("nationality", "CHN")
        if doc.id_type == "resident_id" and out.get("nationality", "CHN") != "CHN":
            self.error(
                f"{name}.nationality", "mismatch", "error.mismatch.nationality", label=fields["nationality"].label
            )
        if doc.birth_date and "birth_date" in out and out["birth_date"] != doc.birth_date.isoformat():
            self.error(
                f"{name}.birth_date",
                "mismatch",
                "error.mismatch.birth_date",
                label=fields["birth_date"].label,
                birth_date=doc.birth_date.isoformat(),
            )
        if doc.gender and "gender" in out and out["gender"] != doc.gender:
            self.error(f"{name}.gender", "mismatch", "error.mismatch.gender", label=fields["gender"].label)

    def evidence(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.error("evidence", "wrong_type", "error.wrong_type.evidence")
            return None
        if len(value) > MAX_EVIDENCE:
            self.error("evidence", "too_many", "error.too_many.evidence", limit=MAX_EVIDENCE)
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            path = f"evidence[{i}]"
            if not isinstance(item, str):
                self.error(path, "wrong_type", "error.wrong_type.evidence_item", number=i + 1)
            elif not _FILE_ID.fullmatch(item.strip().lower()):
                self.error(path, "invalid", "error.invalid.evidence_item", number=i + 1)
            elif item.strip().lower() in out:
                self.error(path, "duplicate", "error.duplicate.evidence_item", number=i + 1)
            else:
                out.append(item.strip().lower())
        return out


def region_problem(code: str) -> str | None:
    """Why a region code cannot be a domicile: None, `unknown_region`, or `region_too_wide` (a province or a
    city with counties below it: a place is a county, a township, or a city with townships directly under it)."""
    region = regions().get(code)
    if region is None:
        return "unknown_region"
    below = regions().children(code)
    if region.level in ("province", "city") and (region.grouping or any(len(r.code) == 6 for r in below)):
        return "region_too_wide"
    return None


def address_text(address: Any) -> str:
    """A stored address in words: 上海市浦东新区张江镇 + 张江路88号 (wave 1's text as it is)."""
    if isinstance(address, dict):
        return f"{address.get('region_name') or ''}{address.get('detail') or ''}"
    return address if isinstance(address, str) else ""


def _employment_order(checker: _Checker, claim: dict[str, Any]) -> None:
    started, ended = claim.get("employment_started"), claim.get("employment_ended")
    if started and ended and ended < started:
        checker.error("claim.employment_ended", "out_of_range", "error.out_of_range.employment_ended")


def _required_message(spec: Spec) -> Msg:
    if spec.kind == "accept":
        return msg("error.required.notice")
    return msg("error.required.choose" if spec.kind in _PICKED else "error.required.fill", label=spec.label)


def _given(value: Any) -> Any:
    """Strips strings; None for anything that counts as not filled in (absent, null, empty)."""
    if isinstance(value, str):
        value = value.strip()
    return None if value is None or value == "" else value


def _check(body: object, *, today: date | None, full: bool, require_service: bool = False) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed([field_error("", "wrong_type", "error.wrong_type.application")])
    checker = _Checker(today=today, full=full)
    checker.unknown(body, TOP_LEVEL)
    out: dict[str, Any] = {}
    kind = _given(body.get("kind"))
    if kind is None:
        checker.error("kind", "required", "error.required.kind")
    elif not isinstance(kind, str):
        checker.error("kind", "wrong_type", "error.wrong_type.kind")
    elif kind not in KINDS:  # without a valid kind the parties cannot be checked; the rest still is
        checker.error("kind", "not_allowed", "error.not_allowed.kind")
    else:
        out["kind"] = kind
        for name in ("applicant", "respondent"):
            out[name] = checker.section(body, name, SECTIONS[kind, name])
    out["claim"] = checker.section(body, "claim", SECTIONS[out.get("kind", "worker"), "claim"])
    if full and out["claim"]:
        _employment_order(checker, out["claim"])
    out["evidence"] = checker.evidence(body.get("evidence"))
    out["consent"] = checker.section(body, "consent", CONSENT)
    # The 送达地址确认书: a client of wave 1 or 2 sends none (the applicant's page asks for it then); the guided form
    # asks for it on its own step (`require_service`).
    if body.get("service") is not None or (full and require_service):
        out["service"] = checker.section(body, "service", SERVICE)
    if checker.errors:
        raise ValidationFailed(checker.errors)
    out = {key: value for key, value in out.items() if value is not None}
    if full:
        if "uscc" not in out["applicant"] and kind == "employer":
            checker.flags.append("applicant.uscc:missing")
        claim = out["claim"]
        claim.setdefault("amount", "0.00")  # "0", empty or absent: nothing claimed
        claim["amount_fen"] = fen(claim["amount"])
        out.setdefault("evidence", [])
        out["review_flags"] = checker.flags
    return out


def validate_application(body: object, *, today: date, require_service: bool = False) -> dict[str, Any]:
    """The cleaned application to submit, or ValidationFailed listing every problem found.

    `today` is the date in Asia/Shanghai; birth dates and ages are judged against it. `require_service`: the
    applicant's 送达地址确认书 (`service`) is required (the guided form's); otherwise it is checked when given.
    """
    return _check(body, today=today, full=True, require_service=require_service)


def validate_draft(body: object) -> dict[str, Any]:
    """A half-filled application: types, unknown fields, choices and lengths only; `kind` required."""
    return _check(body, today=None, full=False)
