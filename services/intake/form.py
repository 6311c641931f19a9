"""The guided application as pages: steps, their fields (from the validation table), form values to data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, Words, catalogue, msg, text
from services.core.amounts import read_amount
from services.directory import nationalities
from services.directory.regions import regions
from services.intake import validation as spec

STEPS = ("notice", "applicant", "respondent", "claim", "evidence", "service", "review")
# Steps whose fields come from the validation table; `service`: the 送达地址确认书 (services/cases/service.py).
FORM_STEPS = ("applicant", "respondent", "claim", "service")
STEP_TITLES: dict[str, Msg] = {step: msg(f"apply.step.{step}") for step in STEPS}
KIND_TITLES: dict[str, Msg] = {kind: msg(f"apply.kind.{kind}") for kind in spec.KINDS}


@lru_cache(maxsize=4)
def _words(locale: str) -> Words:
    """The form's words in the page's language (the application's own data stays as typed)."""
    return Words(locale)


# Which table of words names the codes of each list of choices.
_CHOICE_TABLES: dict[tuple[str, ...], str] = {
    spec.ID_TYPES: "id_type",
    spec.GENDERS: "gender",
    spec.EDUCATION: "education",
    spec.INDUSTRIES: "industry",
    spec.NATURES: "nature",
    spec.VENUES: "venue",
}


def _choice_words(codes: tuple[str, ...], locale: str) -> dict[str, str]:
    table = _CHOICE_TABLES.get(codes)
    if table is None:
        return {}
    if table == "industry":  # GB/T 4754 sections are known by their letter too
        return {code: f"{code} {_words(locale).label(table, code)}" for code in codes}
    return _words(locale).choices(table, codes)


@dataclass(frozen=True)
class FormField:
    name: str
    label: str  # as the form shows it under its section's title (姓名, not 申请人姓名)
    input: str  # text|textarea|select|radio|date|tel|email|decimal|address (region lists + street)
    required: bool
    max_len: int
    choices: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=8)
def _countries(order: tuple[str, ...] | None = None, locale: str = DEFAULT_LOCALE) -> tuple[tuple[str, str], ...]:
    """Nationalities as a list offers them (services/directory/nationalities.py); pinyin order by default."""
    return tuple(nationalities.labelled(list(order or nationalities.by_pinyin()), locale))


def _input_of(
    field: spec.Spec, order: tuple[str, ...] | None = None, locale: str = DEFAULT_LOCALE
) -> tuple[str, tuple[tuple[str, str], ...]]:
    if field.kind == "choice":
        table = _choice_words(field.choices, locale)
        return "select", tuple((code, table.get(code, code)) for code in field.choices)
    if field.kind == "nationality":
        return "select", _countries(order, locale)
    if field.kind == "bool":
        return "radio", (("true", _words(locale).yes_no(True)), ("false", _words(locale).yes_no(False)))
    if field.kind == "text" and field.max_len >= 1000:
        return "textarea", ()
    if field.kind == "address":
        return "address", ()
    widgets = {"date": "date", "birth_date": "date", "phone": "tel", "email": "email", "amount": "decimal"}
    return widgets.get(field.kind, "text"), ()


def _section(kind: str, step: str) -> spec.Section:
    return spec.SECTIONS[kind, step]


def short_label(field: spec.Spec, locale: str = DEFAULT_LOCALE) -> str:
    """A field's words under its section's title: the catalogue's `form.<section>.<name>` where the full label
    repeats whose field it is (申请人姓名 under 申请人信息 reads 姓名), else the full label."""
    key = "form." + field.key.removeprefix("field.")
    return text(key, locale) if catalogue().has(key) else field.label.text(locale)


def form_fields(kind: str, step: str, order: list[str] | None = None, locale: str = DEFAULT_LOCALE) -> list[FormField]:
    """The fields of one step in `locale`; `order`: nationalities as lists offer them (nationalities.ranked)."""
    section = _section(kind, step)
    fields = []
    for name, field in section.fields.items():
        if name == "street":  # wave 1's free text: the API still takes it, the form asks for the address
            continue
        widget, choices = _input_of(field, tuple(order) if order else None, locale)
        fields.append(
            FormField(name, short_label(field, locale), widget, name not in section.optional, field.max_len, choices)
        )
    return fields


def values_from_form(kind: str, step: str, form: dict[str, str]) -> dict[str, Any]:
    """The step's section as the API body has it: booleans from 是/否, empty fields left out."""
    section = _section(kind, step)
    values: dict[str, Any] = {}
    for name, field in section.fields.items():
        if field.kind == "address":  # the region lists and the street arrive as address.region_code / .detail
            parts = {part: form.get(f"{name}.{part}", "").strip() for part in ("region_code", "detail")}
            if any(parts.values()):
                values[name] = {part: value for part, value in parts.items() if value}
            continue
        raw = form.get(name, "").strip()
        if not raw:
            continue
        if field.kind == "bool":
            values[name] = {"true": True, "false": False}.get(raw, raw)
        else:
            values[name] = raw
    return values


def form_values(section: dict[str, Any] | None) -> dict[str, Any]:
    """A stored section back into form strings (booleans as "true"/"false"; an address as its parts,
    with the names of the regions above its code so the lists open where they were left)."""
    out: dict[str, Any] = {}
    for name, value in (section or {}).items():
        if isinstance(value, dict):
            code = str(value.get("region_code") or "")
            lineage = [{"code": r.code, "name": r.name} for r in regions().lineage(code)]
            out[name] = {"region_code": code, "detail": str(value.get("detail") or ""), "lineage": lineage}
        else:
            out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if "street" in out and "address" not in out:  # a wave 1 draft: its street becomes the address detail
        out["address"] = {"region_code": "", "detail": out.pop("street"), "lineage": []}
    return out


def choice_label(kind: str, step: str, name: str, value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """How a stored value reads on the review page."""
    field = _section(kind, step).fields.get(name)
    if field is None or value is None:
        return "" if value is None else str(value)
    if isinstance(value, dict):
        return regions().full_name(str(value.get("region_code") or "")) + str(value.get("detail") or "")
    if field.kind == "nationality":
        return _words(locale).country(str(value))
    widget, choices = _input_of(field, None, locale)
    if widget in ("select", "radio"):
        key = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return dict(choices).get(key, key)
    if field.kind == "amount" and str(value).strip():
        typed = str(value).strip()
        amount = read_amount(typed)  # a draft keeps what was typed: "12000" reads 12000.00 元
        return text("apply.amount_yuan", locale, amount=typed if amount is None else f"{amount:.2f}")
    return str(value)


def service_prefill(kind: str, draft: dict[str, Any]) -> dict[str, Any]:
    """The 送达 step's first visit: the address the applicant gave (a worker's mailing address, else their address;
    an employer's domicile) and who receives there (the worker; the employer's contact), to confirm or change."""
    applicant = draft.get("applicant") or {}
    address = applicant.get("mailing_address") or applicant.get("address") or ""
    if isinstance(address, dict):
        address = regions().full_name(str(address.get("region_code") or "")) + str(address.get("detail") or "")
    recipient = applicant.get("name") if kind == "worker" else applicant.get("contact_name")
    return {k: v for k, v in (("address", address), ("recipient", recipient)) if isinstance(v, str) and v}


@dataclass(frozen=True)
class ReviewRow:
    label: str
    value: str
    long: bool  # free text: shown left-aligned below its label, with its line breaks


def review_sections(
    kind: str, draft: dict[str, Any], locale: str = DEFAULT_LOCALE
) -> list[tuple[str, str, list[ReviewRow]]]:
    """The review page in `locale`: each form step with its title and its rows (label, value as read)."""
    sections = []
    for step in FORM_STEPS:
        shown = draft.get(step) or {}
        rows = [
            ReviewRow(
                f.label, choice_label(kind, step, f.name, shown.get(f.name), locale), f.input in ("textarea", "address")
            )
            for f in form_fields(kind, step, locale=locale)
        ]
        sections.append((step, STEP_TITLES[step].text(locale), rows))
    return sections
