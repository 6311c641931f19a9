"""Issue 15's journeys in a real browser: rosters and routing, the statistics page and its .xlsx, the company
file, the collective-dispute alert."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook

from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, STAFF_PASSWORD, make_staff
from tests.support.browser import chromium
from tests.support.office import office_page
from tests.support.samples import COMPANY_USCC, with_street, worker_body
from tests.support.stats import seeded_history

QIBAO = "310112102"  # 七宝镇, Minhang district


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def file_case(
    ctx: Any, key: str, *, region_code: str = "", street: str = "科苑路88号", requests: str = "", openid: str = ""
) -> str:
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, openid or f"o-{key}")
    body = worker_body()
    body["evidence"] = []
    if requests:
        body["claim"]["requests"] = requests
    if region_code:  # the structured domicile (docs/contracts.md): routed by its region code
        body["respondent"]["address"] = {"region_code": region_code, "detail": street}
    else:  # a street alone: routed by the region it names, else the credit code's region
        with_street(body["respondent"], street)
    case, _ = await submit_application(ctx, person, key, body, "mp")
    return case["serial"]


@pytest.mark.gen_test(timeout=120)
async def test_a_city_administrator_builds_its_tree_and_sees_a_case_routed_to_the_township(
    app, http_server, http_port, cheap_hashing
):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    await make_staff(app, "city.admin", CENTRE_ADMIN, "sh-city", name="市管理员")
    async with chromium() as browser:
        page = await office_page(browser, base_url, "city.admin", accept_downloads=True)
        await page.click("a[href='/office/centres']")
        for centre_id, name, level, parent, codes in (
            ("sh-minhang", "闵行区劳动人事争议调解中心", "district", "sh-city", "310112"),
            ("sh-mh-qibao", "七宝镇劳动人事争议调解委员会", "township", "sh-minhang", QIBAO),
        ):
            await page.fill("#centre-id", centre_id)
            await page.fill("#centre-name", name)
            await page.select_option("#centre-level", level)
            await page.select_option("#centre-parent", parent)
            await page.fill("#centre-regions", codes)
            await page.fill("#centre-phone", "021-64190000")
            await page.click("#create-centre-button")
            await page.wait_for_selector(f"tr[data-centre='{centre_id}']")
        assert "上海市闵行区七宝镇" in await page.inner_text("tr[data-centre='sh-mh-qibao']")
        # A centre administrator cannot act above their level: the city itself is not theirs to edit.
        assert await page.locator("tr[data-centre='sh-city'] a[href='/office/centres/sh-city']").count() == 0

        await page.click("a[href='/office/staff']")
        await page.fill("#new-login", "qibao.med")
        await page.fill("#new-name", "七宝调解员")
        await page.select_option("#new-role", "mediator")
        await page.select_option("#new-centre", "sh-mh-qibao")
        await page.fill("#new-password", STAFF_PASSWORD)
        await page.click("#create")
        await page.wait_for_selector("tr[data-login='qibao.med']")

        serial = await file_case(ctx, "key-admin-qibao", region_code=QIBAO, street="上海市闵行区七宝镇漕宝路1号")
        await page.goto(base_url + "/office/")
        row = page.locator(f"tr[data-serial='{serial}']")
        assert "七宝镇劳动人事争议调解委员会" in await row.locator(".centre").inner_text()
        doc = await ctx.db["cases"].find_one({"_id": serial})
        assert doc["centre"]["id"] == "sh-mh-qibao" and doc["routing"]["matched_code"] == QIBAO

        # the township's mediator sees it too
        mediator = await office_page(browser, base_url, "qibao.med", accept_downloads=True)
        assert await mediator.locator(f"tr[data-serial='{serial}']").count() == 1


@pytest.mark.gen_test(timeout=120)
async def test_the_statistics_page_shows_the_national_table_and_its_xlsx_matches(
    app, http_server, http_port, cheap_hashing, tmp_path
):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    clock = ctx.clock
    await seeded_history(ctx, tmp_path)  # January and February 2026, on a clock of its own
    ctx.clock = clock
    async with chromium() as browser:
        page = await office_page(browser, base_url, "root", accept_downloads=True)
        await page.goto(base_url + "/office/stats?from=2026-01&to=2026-02")
        rows = await page.eval_on_selector_all(
            "#table-national tr", "rows => rows.slice(1).map(r => [...r.cells].map(c => c.innerText))"
        )
        shown = {label: value for label, value in rows}
        assert shown["当期案件受理数"] == "3" and shown["结案数"] == "2" and shown["仲裁调解"] == "1"
        assert shown["劳动报酬"] == "2" and shown["上期未结案件数"] == "0" and shown["期末未结案件数"] == "1"
        await page.wait_for_selector("#chart-months[data-rendered='1'] svg")  # ECharts drew beside the table
        async with page.expect_download() as download_info:
            await page.click("#export")
        download = await download_info.value
        path = tmp_path / "stats.xlsx"
        await download.save_as(path)
    book = load_workbook(path, read_only=True)
    sheet = [list(r) for r in book["劳动争议处理情况"].iter_rows(values_only=True)][1:]
    assert [[label, "" if value is None else str(value)] for label, value, *_ in (r + [None] for r in sheet)] == rows
    assert len(list(book["案件明细"].iter_rows())) == 1 + 4


@pytest.mark.gen_test(timeout=120)
async def test_the_company_file_lists_the_employers_cases(app, http_server, http_port, cheap_hashing):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    await make_staff(app, "root", SYSTEM_ADMIN)
    mine = [await file_case(ctx, f"key-company-{n}") for n in range(2)]
    async with chromium() as browser:
        page = await office_page(browser, base_url, "root", accept_downloads=True)
        await page.goto(base_url + "/office/files")
        await page.fill("#company-query", COMPANY_USCC)
        await page.click("#company-view")
        await page.wait_for_selector("#file-cases")
        listed = await page.eval_on_selector_all(
            "#file-cases tr[data-serial]", "rows => rows.map(r => r.dataset.serial)"
        )
        assert sorted(listed) == sorted(mine)
    [view] = await ctx.db["audit"].find({"action": "file_view"}).to_list(None)
    assert view["who"] == "root" and view["file"] == "C"


@pytest.mark.gen_test(timeout=120)
async def test_ten_applications_against_one_employer_raise_the_collective_alert(
    app, http_server, http_port, cheap_hashing
):
    base_url = f"http://127.0.0.1:{http_port}"
    ctx = app.settings["services"].ctx
    await make_staff(app, "city.admin", CENTRE_ADMIN, "sh-city", name="市管理员")
    serials = [await file_case(ctx, f"key-ten-{n:02d}", requests="支付拖欠的2026年8月至10月工资") for n in range(10)]
    async with chromium() as browser:
        page = await office_page(browser, base_url, "city.admin", accept_downloads=True)
        banner = await page.inner_text("#alert-banner")
        assert "集体争议预警" in banner and "1" in banner
        await page.click("#alert-banner a")
        await page.wait_for_selector("#alerts tr[data-alert]")
        row = page.locator("#alerts tr[data-alert]")
        assert await row.locator(".workers").inner_text() == "10"
        shown = await row.inner_text()
        assert all(s in shown for s in serials) and "上海某某物流有限公司" in shown
    assert await ctx.db["cases"].count_documents({"collective.kind": "collective"}) == 10
