"""Issue 15's pages over HTTP: the public centres, refusals by level, bad filters, empty exports, never a 500."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN
from tests.support.app import body_of, make_staff
from tests.support.office import sign_in


@pytest.mark.gen_test
async def test_the_public_centres(api, app):
    response = await api.call("GET", "/api/centres")
    assert response.code == 200
    items = {c["id"]: c for c in body_of(response)["items"]}
    assert items["sh-pudong"]["parent_id"] == "sh-city" and items["sh-pudong"]["level"] == "district"
    assert items["sh-pudong"]["regions"] == [{"code": "310115", "name": "上海市浦东新区"}]


@pytest.mark.gen_test
async def test_mediators_are_kept_out_and_bad_input_is_a_clear_4xx(office, app):
    await make_staff(app, "li.ming")
    await sign_in(office, "li.ming")
    for path in ("/office/stats", "/office/centres", "/office/alerts", "/office/files?uscc=x", "/office/audit"):
        response = await office.get(path)
        assert response.code == 403, path
    await make_staff(app, "city.admin", CENTRE_ADMIN, "sh-city")
    await sign_in(office, "city.admin")
    bad = await office.get("/office/stats?from=2026-13")
    assert bad.code == 422 and "月份格式" in bad.body.decode()
    unknown = await office.get("/office/stats?region=999999")
    assert unknown.code == 422
    assert (await office.get("/office/audit")).code == 403  # system administrators only
    assert (await office.get("/office/files/cases/20260101000010.zip")).code == 404
    assert (await office.get("/office/files?uscc=91310101MA1K4ABCD4")).code == 404
    refused = await office.post(
        "/office/centres",
        {
            "action": "create",
            "id": "x-1",
            "name": "某中心",
            "level": "township",
            "parent_id": "sh-pudong",
            "region_codes": "999999999",
        },
    )
    assert refused.code == 422 and "999999999" in refused.body.decode()


@pytest.mark.gen_test
async def test_an_export_of_an_empty_period_is_an_empty_workbook(office, app):
    await make_staff(app, "root", SYSTEM_ADMIN)
    await sign_in(office, "root")
    response = await office.get("/office/stats/export.xlsx?from=2020-01&to=2020-03")
    assert response.code == 200 and response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.body), read_only=True)
    assert len(list(book["案件明细"].iter_rows())) == 1
    audit = await office.get("/office/audit.xlsx?action=stats_export")
    rows = list(load_workbook(io.BytesIO(audit.body), read_only=True)["审计日志"].iter_rows(values_only=True))
    assert rows[0][0] == "时间" and rows[1][1] == "root" and rows[1][3] == "导出统计"  # the action in words (issue 25)


@pytest.mark.gen_test
async def test_query_strings_that_are_not_utf8_are_a_400_naming_the_field(office, app):
    """What a lone surrogate becomes in a query string (issue 12's hardening) on issue 15's pages and exports."""
    await make_staff(app, "root", SYSTEM_ADMIN)
    await sign_in(office, "root")
    bad = "%ED%A0%80"
    for path, field in (
        ("/office/stats", "region"),
        ("/office/stats/export.xlsx", "region"),
        ("/office/audit", "who"),
        ("/office/audit.xlsx", "who"),
        ("/office/files", "name"),
        ("/office/alerts", "state"),
        ("/office/", "centre"),
    ):
        response = await office.get(f"{path}?{field}={bad}")
        assert response.code == 400 and field in response.body.decode(), (path, response.code)
    assert await app.settings["services"].ctx.db["audit"].count_documents({"action": "stats_export"}) == 0
