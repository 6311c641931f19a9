"""Statistics from the counters: the national table for a known history, filters, scope, and the .xlsx matching it."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from services.accounts.staff import CENTRE_ADMIN, StaffMember
from services.cases.taxonomy import Taxonomies
from services.core.errors import ServiceError, ValidationFailed
from services.stats import export, report
from tests.support.stats import ROOT, seeded_history

PUDONG_ADMIN = StaffMember("pd.admin", "浦东管理员", CENTRE_ADMIN, "sh-pudong")


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
