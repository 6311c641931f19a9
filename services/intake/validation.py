"""Checks and cleans a mediation application body (api.md), listing every problem at once."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pycountry

from services.core.errors import FieldError, ValidationFailed
from services.core.idnumbers import (
    ID_TYPES,
    NumberInvalid,
    check_id_number,
    check_uscc,
    normalise_mobile,
)

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

MAX_AMOUNT = Decimal("100000000.00")
MAX_EVIDENCE = 100
MIN_AGE, MAX_AGE = 16, 120
TOP_LEVEL = ("kind", "applicant", "respondent", "claim", "evidence", "consent")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_FILE_ID = re.compile(r"[0-9a-f]{32}")
_PICKED = ("choice", "bool", "nationality")  # fields chosen from a list: "请选择" rather than "请填写"


@dataclass(frozen=True)
class Spec:
    """One field: its Chinese label (used in every message), how it is checked, its length cap."""

    label: str
    kind: str = "text"  # text|choice|bool|nationality|date|mobile|email|uscc|id_number|amount|accept
    max_len: int = 0  # 0: no cap (choices and booleans)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """One object of the body. Fields not in `optional` are required in a submitted application."""

    label: str
    fields: dict[str, Spec]
    optional: frozenset[str] = frozenset()
    id_pair: tuple[str, str] | None = None  # (type field, number field): given together, checked together
    holder: str = ""  # whose document that is, for messages: "申请人身份证号码校验位不正确"


def _text(label: str, max_len: int) -> Spec:
    return Spec(label, "text", max_len)


def _choice(label: str, choices: tuple[str, ...]) -> Spec:
    return Spec(label, "choice", choices=choices)


# Cap for numbers before they are parsed: generous, so that a draft keeps what was typed.
_NUMBER_CAP = 30

SECTIONS: dict[tuple[str, str], Section] = {
    ("worker", "applicant"): Section(
        "申请人信息",
        {
            "name": _text("申请人姓名", 50),
            "id_type": _choice("申请人证件类型", ID_TYPES),
            "id_number": Spec("申请人证件号码", "id_number", _NUMBER_CAP),
            "nationality": Spec("申请人国籍", "nationality"),
            "gender": _choice("申请人性别", GENDERS),
            "ethnicity": _text("申请人民族", 20),
            "birth_date": Spec("申请人出生日期", "date", 10),
            "education": _choice("申请人文化程度", EDUCATION),
            "phone": Spec("申请人手机号码", "mobile", _NUMBER_CAP),
            "email": Spec("申请人电子邮箱", "email", 100),
            "address": _text("申请人住址", 200),
            "job_title": _text("申请人工作岗位", 200),
            "migrant_worker": Spec("是否农民工", "bool"),
            "contract_signed": Spec("是否签订劳动合同", "bool"),
            "work_location": _text("工作地点", 200),
        },
        optional=frozenset({"email", "ethnicity"}),  # foreigners have no ethnicity
        id_pair=("id_type", "id_number"),
        holder="申请人",
    ),
    ("worker", "respondent"): Section(
        "被申请单位信息",
        {
            "name": _text("被申请单位名称", 100),
            "uscc": Spec("被申请单位统一社会信用代码", "uscc", _NUMBER_CAP),
            "industry": _choice("被申请单位所属行业", INDUSTRIES),
            "nature": _choice("被申请单位性质", NATURES),
            "street": _text("被申请单位所在街道", 200),
            "contact_name": _text("被申请单位联系人姓名", 50),
            "contact_phone": Spec("被申请单位联系人手机号码", "mobile", _NUMBER_CAP),
        },
        optional=frozenset({"uscc", "contact_name", "contact_phone"}),
    ),
    ("employer", "applicant"): Section(
        "申请单位信息",
        {
            "name": _text("申请单位名称", 100),
            "uscc": Spec("申请单位统一社会信用代码", "uscc", _NUMBER_CAP),
            "industry": _choice("申请单位所属行业", INDUSTRIES),
            "nature": _choice("申请单位性质", NATURES),
            "street": _text("申请单位所在街道", 200),
            "email": Spec("申请单位电子邮箱", "email", 100),
            "is_agent": Spec("联系人是否为委托代理人", "bool"),
            "contact_name": _text("联系人姓名", 50),
            "contact_phone": Spec("联系人手机号码", "mobile", _NUMBER_CAP),
            "contact_id_type": _choice("联系人证件类型", ID_TYPES),
            "contact_id_number": Spec("联系人证件号码", "id_number", _NUMBER_CAP),
            "legal_representative_name": _text("法定代表人姓名", 50),
            "legal_representative_phone": Spec("法定代表人手机号码", "mobile", _NUMBER_CAP),
        },
        optional=frozenset({"uscc"}),  # flagged for review when missing, not refused
        id_pair=("contact_id_type", "contact_id_number"),
        holder="联系人",
    ),
    ("employer", "respondent"): Section(
        "被申请人信息",
        {
            "name": _text("被申请人姓名", 50),
            "phone": Spec("被申请人手机号码", "mobile", _NUMBER_CAP),
            "id_type": _choice("被申请人证件类型", ID_TYPES),
            "id_number": Spec("被申请人证件号码", "id_number", _NUMBER_CAP),
        },
        optional=frozenset({"id_type", "id_number"}),
        id_pair=("id_type", "id_number"),
        holder="被申请人",
    ),
}

CLAIM = Section(
    "请求事项",
    {
        "amount": Spec("请求金额", "amount", 20),
        "venue": _choice("案件提交地", VENUES),
        "requests": _text("仲裁请求", 2000),
        "facts": _text("事实与理由", 10000),
    },
    optional=frozenset({"amount", "venue"}),
)

CONSENT = Section(
    "申请须知确认",
    {
        "version": _text("申请须知版本", 50),
        "accepted": Spec("同意申请须知", "accept"),
    },
)


class _Bad(Exception):
    """One field's problem, raised inside the checker and collected as a FieldError."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Checker:
    """One pass over a body; collects every error and review flag instead of stopping at the first."""

    def __init__(self, *, today: date | None, full: bool) -> None:
        self.today = today
        self.full = full  # False for drafts: nothing required, numbers and formats not checked yet
        self.errors: list[FieldError] = []
        self.flags: list[str] = []

    def error(self, path: str, code: str, message: str) -> None:
        self.errors.append(FieldError(path, code, message))

    def unknown(self, obj: dict[str, Any], allowed: Container[str], prefix: str = "") -> None:
        for key in obj:
            if key not in allowed:
                path = f"{prefix}{key}"
                self.error(path, "unknown_field", f"无法识别的字段：{path}")

    def section(self, body: dict[str, Any], name: str, section: Section) -> dict[str, Any] | None:
        raw = body.get(name)
        if raw is None:
            if not self.full:
                return None  # a draft may not have reached this step yet
            raw = {}
        if not isinstance(raw, dict):
            self.error(name, "wrong_type", f"{section.label}格式不正确，应为对象")
            return None
        self.unknown(raw, section.fields, f"{name}.")
        given = {key: _given(raw.get(key)) for key in section.fields}
        out: dict[str, Any] = {}
        for key, spec in section.fields.items():
            path = f"{name}.{key}"
            value = given[key]
            if value is None:
                if self.full and self._required(section, key, given):
                    self.error(path, "required", _required_message(spec))
                continue
            try:
                out[key] = self.value(path, spec, value)
            except _Bad as bad:
                self.error(path, bad.code, bad.message)
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
                raise _Bad("wrong_type", f"{spec.label}应为 true 或 false")
            if spec.kind == "accept" and self.full and not value:
                raise _Bad("not_accepted", "请阅读并同意申请须知后再提交")
            return value
        if not isinstance(value, str):
            raise _Bad("wrong_type", f"{spec.label}应为文字")
        if spec.max_len and len(value) > spec.max_len:
            raise _Bad("too_long", f"{spec.label}不能超过{spec.max_len}个字")
        if spec.kind == "choice":
            if value not in spec.choices:
                raise _Bad("not_allowed", f"{spec.label}不在可选范围内，请重新选择")
            return value
        if spec.kind == "nationality":
            if not re.fullmatch(r"[A-Z]{3}", value) or pycountry.countries.get(alpha_3=value) is None:
                raise _Bad("not_allowed", f"{spec.label}不正确，应为三位字母国家代码（如 CHN）")
            return value
        if not self.full or spec.kind in ("text", "id_number"):
            return value  # drafts keep what was typed; ID numbers are checked with their type
        if spec.kind == "mobile":
            try:
                return normalise_mobile(value)
            except NumberInvalid:
                raise _Bad("invalid", f"{spec.label}格式不正确，应为11位手机号") from None
        if spec.kind == "email":
            if not _EMAIL.fullmatch(value):
                raise _Bad("invalid", f"{spec.label}格式不正确，如 name@example.com")
            return value.lower()
        if spec.kind == "uscc":
            try:
                code = check_uscc(value)
            except NumberInvalid as exc:
                raise _Bad("invalid", f"{exc.message}，请核对") from None
            if not code.check_ok:  # some real codes fail GB 32100's check character: a person looks
                self.flags.append(f"{path}:check_failed")
            return code.value
        if spec.kind == "date":
            return self.birth_date(spec, value).isoformat()
        if spec.kind == "amount":
            return _amount(spec, value)
        raise AssertionError(f"unknown field kind {spec.kind}")

    def birth_date(self, spec: Spec, value: str) -> date:
        assert self.today is not None
        try:
            if not _DATE.fullmatch(value):  # fromisoformat alone would take "19900307" too
                raise ValueError
            birth = date.fromisoformat(value)
        except ValueError:
            raise _Bad("invalid", f"{spec.label}不是有效日期，格式为 1990-03-07") from None
        if birth >= self.today:
            raise _Bad("out_of_range", f"{spec.label}应早于今天")
        age = self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))
        if age < MIN_AGE:
            raise _Bad("out_of_range", f"按{spec.label}计算未满{MIN_AGE}周岁，请核对")
        if age > MAX_AGE:
            raise _Bad("out_of_range", f"按{spec.label}计算超过{MAX_AGE}周岁，请核对")
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
            self.error(f"{name}.{number_key}", exc.code, f"{section.holder}{exc.message}")
            return
        out[number_key] = doc.value
        fields = section.fields
        if doc.id_type == "resident_id" and out.get("nationality", "CHN") != "CHN":
            self.error(f"{name}.nationality", "mismatch", f"持居民身份证的{fields['nationality'].label}应为中国（CHN）")
        if doc.birth_date and "birth_date" in out and out["birth_date"] != doc.birth_date.isoformat():
            self.error(
                f"{name}.birth_date",
                "mismatch",
                f"{fields['birth_date'].label}与证件号码中的出生日期（{doc.birth_date.isoformat()}）不一致",
            )
        if doc.gender and "gender" in out and out["gender"] != doc.gender:
            self.error(f"{name}.gender", "mismatch", f"{fields['gender'].label}与证件号码不一致，请核对")

    def evidence(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.error("evidence", "wrong_type", "证据材料格式不正确，应为文件编号列表")
            return None
        if len(value) > MAX_EVIDENCE:
            self.error("evidence", "too_many", f"证据材料最多{MAX_EVIDENCE}个文件")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            path = f"evidence[{i}]"
            if not isinstance(item, str):
                self.error(path, "wrong_type", f"第{i + 1}份证据材料的文件编号应为文字")
            elif not _FILE_ID.fullmatch(item.strip().lower()):
                self.error(path, "invalid", f"第{i + 1}份证据材料的文件编号不正确，请重新上传")
            elif item.strip().lower() in out:
                self.error(path, "duplicate", f"第{i + 1}份证据材料与前面的文件重复")
            else:
                out.append(item.strip().lower())
        return out


def _required_message(spec: Spec) -> str:
    if spec.kind == "accept":
        return "请阅读并同意申请须知"
    return ("请选择" if spec.kind in _PICKED else "请填写") + spec.label


def _given(value: Any) -> Any:
    """Strips strings; None for anything that counts as not filled in (absent, null, empty)."""
    if isinstance(value, str):
        value = value.strip()
    return None if value is None or value == "" else value


def _amount(spec: Spec, text: str) -> str:
    value = unicodedata.normalize("NFKC", text)  # full-width digits from Chinese keyboards
    if not _AMOUNT.fullmatch(value):
        raise _Bad("invalid", f"{spec.label}应为数字，如 12000.00")
    amount = Decimal(value)
    if amount < 0:
        raise _Bad("out_of_range", f"{spec.label}不能为负数")
    if amount != amount.quantize(Decimal("0.01")):
        raise _Bad("invalid", f"{spec.label}最多两位小数")
    if amount > MAX_AMOUNT:
        raise _Bad("out_of_range", f"{spec.label}不能超过{MAX_AMOUNT:,.2f}元")
    return str(abs(amount).quantize(Decimal("0.01")))  # abs: "-0" is zero, not "-0.00"


def _check(body: object, *, today: date | None, full: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("", "wrong_type", "提交的内容格式不正确，应为 JSON 对象")])
    checker = _Checker(today=today, full=full)
    checker.unknown(body, TOP_LEVEL)
    out: dict[str, Any] = {}
    kind = _given(body.get("kind"))
    if kind is None:
        checker.error("kind", "required", "请选择申请人类型（劳动者或用人单位）")
    elif not isinstance(kind, str):
        checker.error("kind", "wrong_type", "申请人类型应为文字：worker 或 employer")
    elif kind not in KINDS:  # without a valid kind the parties cannot be checked; the rest still is
        checker.error("kind", "not_allowed", "申请人类型应为劳动者（worker）或用人单位（employer）")
    else:
        out["kind"] = kind
        for name in ("applicant", "respondent"):
            out[name] = checker.section(body, name, SECTIONS[kind, name])
    out["claim"] = checker.section(body, "claim", CLAIM)
    out["evidence"] = checker.evidence(body.get("evidence"))
    out["consent"] = checker.section(body, "consent", CONSENT)
    if checker.errors:
        raise ValidationFailed(checker.errors)
    out = {key: value for key, value in out.items() if value is not None}
    if full:
        if "uscc" not in out["applicant"] and kind == "employer":
            checker.flags.append("applicant.uscc:missing")
        claim = out["claim"]
        claim.setdefault("amount", "0.00")  # "0", empty or absent: nothing claimed
        claim["amount_fen"] = int(Decimal(claim["amount"]) * 100)
        out.setdefault("evidence", [])
        out["review_flags"] = checker.flags
    return out


def validate_application(body: object, *, today: date) -> dict[str, Any]:
    """The cleaned application to submit, or ValidationFailed listing every problem found.

    `today` is the date in Asia/Shanghai; birth dates and ages are judged against it.
    """
    return _check(body, today=today, full=True)


def validate_draft(body: object) -> dict[str, Any]:
    """A half-filled application: types, unknown fields, choices and lengths only; `kind` required."""
    return _check(body, today=None, full=False)
