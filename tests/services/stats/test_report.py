"""Statistics from the counters: the national table for a known history, filters, scope, and the .xlsx matching it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember
from services.cases import clarification, handling
from services.cases.taxonomy import Taxonomies
from services.core.errors import ServiceError, ValidationFailed
from services.intake.submission import submit_application
from services.stats import export, report
from standins.sms import RecordingSms
from store.blobs import BlobKeys, LocalBlobStore
from tests.conftest import OA_APP_ID, make_staff
from tests.parties import settle_by_signing, upload_seal
from tests.samples import ended_on, with_street, worker_body

ROOT = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "sh-city")
PUDONG_ADMIN = StaffMember("pd.admin", "浦东管理员", CENTRE_ADMIN, "sh-pudong")


class Clock:
    def __init__(self, ctx: Any, start: datetime) -> None:
        self.now = start
        ctx.clock = lambda: self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def seeded_history(ctx: Any, tmp_path: Any) -> dict[str, str]:
    """A known history: January, two cases in the city (one settled for 12000 of 12000 claimed by the last of
    three signatures, one still open, pay causes) and one in Pudong (declined); February, the open one fails (the
    parties too far apart) and a new one is accepted."""
    clock = Clock(ctx, datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    await make_staff(ctx, "root", SYSTEM_ADMIN)
    blobs = LocalBlobStore(tmp_path / "blobs", BlobKeys(ctx.settings.data_keys, ctx.settings.current_key_version))
    await upload_seal(ctx, blobs, ROOT, "sh-city")
    taxonomies = Taxonomies.load(ctx.settings.centres)
    serials, persons = {}, {}
    for name, street in (("settled", "科苑路88号"), ("open", "科苑路88号"), ("pudong", "浦东新区川沙新镇")):
        person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-{name}")
        body = ended_on(worker_body())  # employment ended before this January
        body["evidence"] = []
        with_street(body["respondent"], street)  # the city's by the credit code's region, or Pudong's by the text
        case, _ = await submit_application(ctx, person, f"key-stats-{name}", body, "mp")
        serials[name], persons[name] = case["serial"], person
        clock.advance(hours=1)
    items = [{"cause_code": "05-01", "text": "支付工资", "amount": "12000"}]
    for name in ("settled", "open"):
        await clarification.push_clarified(ctx, taxonomies, ROOT, serials[name], items)
        await clarification.answer_clarified(
            ctx, persons[name], serials[name], {"decision": "confirm", "version": 1}, "mp"
        )
        clock.advance(hours=1)
    for name in ("settled", "open"):
        await handling.decide(ctx, ROOT, serials[name], "accept", {})
    await handling.decide(ctx, ROOT, serials["pudong"], "decline", {"reason": "不属于受理范围"})
    clock.advance(days=3)
    signed = await settle_by_signing(ctx, blobs, RecordingSms(), ROOT, serials["settled"], persons["settled"])
    assert signed["status"] == "settled"
    clock.advance(days=30)  # February
    await handling.decide(
        ctx, ROOT, serials["open"], "fail", {"closure_reason": "too_far_apart", "reason": "双方分歧过大"}
    )
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-february")
    body = ended_on(worker_body())
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, "key-stats-february", body, "h5")
    serials["february"] = case["serial"]
    await handling.decide(ctx, ROOT, serials["february"], "accept", {})
    return serials


def rows_of(content: dict[str, Any], key: str) -> list[list[Any]]:
    return next(t for t in content["tables"] if t["key"] == key)["rows"]


@pytest.mark.gen_test
async def test_the_national_table_of_a_known_history(ctx, cheap_hashing, tmp_path):
    await seeded_history(ctx, tmp_path)
    taxonomies = Taxonomies.load(ctx.settings.centres)
    january = report.parse_filters({"from": "2026-01", "to": "2026-01"}, datetime(2026, 3, 1).date())
    national = dict(
        (label, value) for label, value in rows_of(await report.report(ctx, ROOT, taxonomies, january), "national")
    )
    assert national["上期未结案件数"] == 0 and national["当期案件受理数"] == 2 and national["劳动者申诉案件数"] == 2
    assert national["劳动者当事人数(人)"] == 2 and national["劳动报酬"] == 2 and national["社会保险"] == 0
    assert national["结案数"] == 1 and national["仲裁调解"] == 1 and national["劳动者胜诉"] == 1
    assert national["期末未结案件数"] == 1
    february = report.parse_filters({"from": "2026-02", "to": "2026-02"}, datetime(2026, 3, 1).date())
    content = await report.report(ctx, ROOT, taxonomies, february)
    national = dict((label, value) for label, value in rows_of(content, "national"))
    assert national["上期未结案件数"] == 1 and national["当期案件受理数"] == 1 and national["结案数"] == 1
    assert national["其他方式"] == 1 and national["期末未结案件数"] == 1 and national["其他"] == 1  # not clarified
    outcomes = dict((label, value) for label, value in rows_of(content, "outcomes"))
    assert outcomes["调解不成"] == 1
    reasons = rows_of(content, "closure_reasons")  # why it failed: 法释〔2021〕23号 art. 25's reasons
    assert reasons == [["too_far_apart", "双方分歧较大，难以达成调解协议", 1]]
    both = report.parse_filters({"from": "2026-01", "to": "2026-02"}, datetime(2026, 3, 1).date())
    content = await report.report(ctx, ROOT, taxonomies, both)
    assert [r[0] for r in rows_of(content, "months")] == ["2026-01", "2026-02"]
    assert rows_of(content, "months")[0][1:3] == [3, 2]  # received, accepted in January
    assert dict((r[0], r[2]) for r in rows_of(content, "causes_l1"))["05"] == 2
    assert content["success_rate"] == "50.0%"
    # Scope: Pudong's administrator sees only Pudong (one case, declined: nothing accepted there).
    pudong = await report.report(ctx, PUDONG_ADMIN, taxonomies, both)
    assert dict(rows_of(pudong, "national"))["当期案件受理数"] == 0
    assert dict((r[0], r[1]) for r in rows_of(pudong, "outcomes"))["不予受理"] == 1


@pytest.mark.gen_test
async def test_the_xlsx_holds_the_same_figures_and_the_cases(ctx, cheap_hashing, tmp_path):
    serials = await seeded_history(ctx, tmp_path)
    taxonomies = Taxonomies.load(ctx.settings.centres)
    filters = report.parse_filters({"from": "2026-01", "to": "2026-02"}, datetime(2026, 3, 1).date())
    content = await report.report(ctx, ROOT, taxonomies, filters)
    path, rows = await export.write_workbook(ctx, ROOT, taxonomies, filters)
    try:
        book = load_workbook(path, read_only=True)
        national = [list(r) for r in book["劳动争议处理情况"].iter_rows(values_only=True)]
        assert national[0] == ["项目", "案件数"]
        assert [(row + [None])[:2] for row in national[1:]] == rows_of(content, "national")  # headings: no figure
        cases = [list(r) for r in book["案件明细"].iter_rows(values_only=True)]
        assert rows == 4 and sorted(r[0] for r in cases[1:]) == sorted(serials.values())
    finally:
        os.unlink(path)
    empty = report.parse_filters({"from": "2025-01", "to": "2025-03"}, datetime(2026, 3, 1).date())
    path, rows = await export.write_workbook(ctx, ROOT, taxonomies, empty)  # an empty period: an empty file
    try:
        assert rows == 0 and len(list(load_workbook(path, read_only=True)["案件明细"].iter_rows())) == 1
    finally:
        os.unlink(path)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "2026-05", "to": "2026-01"}, "to"),
        ({"region": "999999"}, "region"),
        ({"region": "310115", "mediator": "li.ming"}, "mediator"),
        ({"from": "2000-01", "to": "2026-01"}, "from"),
    ],
)
def test_bad_filters_are_field_errors(query, field):
    with pytest.raises(ValidationFailed) as refused:
        report.parse_filters(query, datetime(2026, 3, 1).date())
    assert refused.value.errors[0].field == field


@pytest.mark.gen_test
async def test_mediators_and_centres_out_of_reach_are_refused(ctx):
    taxonomies = Taxonomies.load(ctx.settings.centres)
    filters = report.parse_filters({}, datetime(2026, 3, 1).date())
    with pytest.raises(ServiceError) as refused:
        await report.report(ctx, StaffMember("m", "调解员", "mediator", "sh-city"), taxonomies, filters)
    assert refused.value.status == 403
    above = report.parse_filters({"centre": "sh-city"}, datetime(2026, 3, 1).date())
    with pytest.raises(ValidationFailed):  # Pudong's administrator asking for the city's figures
        await report.report(ctx, PUDONG_ADMIN, taxonomies, above)
