"""The context builder: dates, amounts, labels, text cleaning, parties, refusals, and its exact shape."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from docgen.context import VARIABLES, build_context, check_can_fill, money, text, zh_date
from docgen.errors import DocumentRefused, UnknownDocumentKind
from docgen.sample import sample_case
from tests.support.docgen_cases import EMPLOYER_NAME, WORDS, WORKER_NAME, bare_case, employer_case

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def context(kind: str, case: dict) -> dict:
    return build_context(kind, case, words=WORDS, document_id="D1", verify_url="https://x/verify/D1", issued_at=NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 11, 22), "二〇二六年十一月二十二日"),
        ("2026-01-10", "二〇二六年一月十日"),
        ("2000-10-01", "二〇〇〇年十月一日"),
        (datetime(2026, 11, 22, 15, 59, tzinfo=UTC), "二〇二六年十一月二十二日"),  # 23:59 in Shanghai
        (datetime(2026, 11, 22, 16, 0, tzinfo=UTC), "二〇二六年十一月二十三日"),  # midnight in Shanghai
        ("2026-11-22T16:30:00Z", "二〇二六年十一月二十三日"),
        ("2026-11-22T16:30:00+00:00", "二〇二六年十一月二十三日"),
        (datetime(2026, 11, 22, 16, 30), "二〇二六年十一月二十三日"),  # naive: taken as UTC
        (None, ""),
        ("", ""),
    ],
)
def test_dates_the_chinese_way(value, expected):
    assert zh_date(value) == expected


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", 20261122])
def test_an_unreadable_date_refuses_the_document(value):
    with pytest.raises(DocumentRefused) as caught:
        zh_date(value, "created_at")
    assert caught.value.code == "invalid_case" and "created_at" in caught.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12000.00", ("12,000.00", "壹万贰仟元整")),
        ("12000", ("12,000.00", "壹万贰仟元整")),
        (1234567.89, ("1,234,567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分")),
        ("3500.5", ("3,500.50", "叁仟伍佰元伍角")),
        ("0", ("", "")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_amounts_in_figures_and_capitals(value, expected):
    assert money(value, "claim.amount") == expected


@pytest.mark.parametrize("value", ["-1", "abc", "NaN", "Infinity", True, [1]])
def test_a_bad_amount_refuses_the_document(value):
    with pytest.raises(DocumentRefused, match="invalid_case"):
        money(value, "claim.amount")


def test_the_amount_in_fen_is_used_when_the_decimal_string_is_missing():
    case = sample_case()
    case["claim"] = {"amount_fen": 1234550, "requests": "r", "facts": "f"}
    assert context("application", case)["claim"]["amount"] == "12,345.50"


def test_text_is_cleaned_for_word():
    assert text(None) == ""
    assert text(" 甲\r\n乙\r丙\x00\x07\x0c丁\ud800 ") == "甲\n乙\n丙丁"
    assert text("a\tb") == "a\tb"
    assert text(12) == "12"


def test_enumeration_codes_become_chinese_labels():
    ctx = context("application", sample_case())
    worker, employer = ctx["worker"], ctx["employer"]
    assert (worker["gender"], worker["id_type"], worker["education"], worker["nationality"]) == (
        "男",
        "居民身份证",
        "高中",
        "中国",
    )
    assert (employer["industry"], employer["nature"]) == ("交通运输、仓储和邮政业", "私营企业")
    assert ctx["claim"]["venue"] == "用人单位所在地"
    assert WORDS.country("USA") == "美国" and WORDS.country("XYZ") == "XYZ"
    assert WORDS.label("gender", "unknown_code") == "unknown_code"
    assert WORDS.yes_no(None) == "" and WORDS.yes_no(False) == "否"


def test_worker_and_employer_are_taken_from_the_right_party():
    ctx = context("arbitration", employer_case())
    assert ctx["worker"]["name"] == WORKER_NAME and ctx["worker"]["role"] == "被申请人"
    assert ctx["employer"]["name"] == EMPLOYER_NAME and ctx["employer"]["role"] == "申请人"
    assert ctx["applicant"]["kind"] == "employer" and ctx["respondent"]["kind"] == "worker"
    assert ctx["employer"]["phone"] == "13700000000"  # the contact's phone first
    ctx = context("arbitration", sample_case())
    assert ctx["worker"]["name"] == "张三" and ctx["employer"]["legal_representative_title"] == "执行董事"


def test_clarified_items_replace_the_free_text_request():
    ctx = context("application", sample_case())
    assert [i["text"] for i in ctx["request_items"]] == ["支付2026年8月至10月工资"]
    assert ctx["requests_text"] == "" and ctx["causes"] == "拖欠工资"
    case = sample_case()
    del case["clarified"]
    ctx = context("application", case)
    assert ctx["request_items"] == [] and ctx["requests_text"] == "要求公司支付拖欠的工资。"


def shape(value):
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def merged(schema, got):
    """`got`'s shape, with empty lists given the schema's element shape."""
    if isinstance(schema, dict) and isinstance(got, dict):
        return {key: merged(schema.get(key), item) for key, item in got.items()}
    if isinstance(schema, list) and got == []:
        return schema
    if isinstance(schema, list) and isinstance(got, list):
        return [merged(schema[0], got[0])]
    return got


@pytest.mark.parametrize("kind", ["application", "agreement", "arbitration", "judicial_confirmation"])
@pytest.mark.parametrize("make", [sample_case, employer_case, bare_case])
def test_the_context_has_exactly_the_declared_variables(kind, make):
    case = make()
    if kind in ("agreement", "judicial_confirmation") and case.get("outcome", {}).get("kind") != "settled":
        return
    ctx = context(kind, case)
    assert merged(VARIABLES, shape(ctx)) == VARIABLES
    assert all(item is not None for item in _leaves(ctx))  # never None: "" when the case has nothing


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_refusals():
    with pytest.raises(UnknownDocumentKind):
        check_can_fill("contract", sample_case(), WORDS)
    with pytest.raises(DocumentRefused, match="invalid_case"):
        check_can_fill("application", {**sample_case(), "kind": "robot"}, WORDS)
    case = sample_case()
    del case["centre"]
    with pytest.raises(DocumentRefused) as caught:
        check_can_fill("application", case, WORDS)
    assert "centre.name" in caught.value.message
    case = sample_case()
    case["outcome"]["at"] = None
    with pytest.raises(DocumentRefused, match="outcome.at"):
        check_can_fill("agreement", case, WORDS)
    for kind in ("application", "arbitration", "agreement", "judicial_confirmation"):
        check_can_fill(kind, sample_case(), WORDS)
