"""The official-account journey in a real browser: OAuth at the WeChat stand-in, every step, submit, 我的申请."""

from __future__ import annotations

import pytest

from tests.support.browser import chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.h5 import EMPLOYER_STEPS, WORKER_STEPS, apply_in_browser, evidence_files, fill
from tests.support.samples import WORKER_ID


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.mark.gen_test(timeout=60)
async def test_worker_and_employer_apply_in_the_browser(app, http_server, http_port, tmp_path):
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        serial, page = await apply_in_browser(
            browser, base_url, "worker", "o-browser-worker", WORKER_STEPS, evidence_files(tmp_path)
        )
        assert len(serial) == 14 and serial.isdigit()
        await page.goto(base_url + "/h5/cases")
        rows = page.locator(".case-row")
        assert await rows.count() == 1
        assert await rows.first.get_attribute("data-serial") == serial
        assert "已提交" in await rows.first.inner_text()
        await rows.first.click()
        await page.wait_for_url(f"**/h5/cases/{serial}")
        assert "提交申请" in await page.inner_text("#timeline", timeout=5000), await page.content()
        doc = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial})
        assert doc["applicant"]["name"] == "张三 & <李>" and doc["channel"] == "h5"
        assert doc["centre"]["id"] == "sh-pudong"
        assert doc["respondent"]["address"] == {
            "region_code": "310115103",
            "region_name": "上海市浦东新区川沙新镇",
            "detail": "川沙路100号",
        }
        assert doc["applicant"]["phone"]["masked"] == "+852 ****4567"  # a Hong Kong mobile, stored in E.164
        assert len(doc["evidence"]) == 2
        kinds = {f["kind"] for f in await app.settings["services"].ctx.db["files"].find({}).to_list(None)}
        assert kinds == {"image", "zip"}

        serial2, page2 = await apply_in_browser(
            browser, base_url, "employer", "o-browser-hr", EMPLOYER_STEPS, evidence_files(tmp_path)[:1]
        )
        assert serial2 != serial
        await page2.goto(base_url + "/h5/cases")
        assert await page2.locator(f".case-row[data-serial='{serial2}']").count() == 1
        assert await page2.locator(f".case-row[data-serial='{serial}']").count() == 0  # not another person's


@pytest.mark.gen_test(timeout=60)
async def test_errors_show_next_to_fields_in_the_browser(app, http_server, http_port):
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        page = await (await browser.new_context(user_agent=WECHAT_UA)).new_page()
        await page.goto(base_url + "/h5/apply/worker/applicant")
        await page.click("#authorize")
        await page.wait_for_url("**/h5/apply/worker/applicant")
        await fill(page, {"name": "张三", "id_type": "resident_id", "id_number": WORKER_ID[:-1] + "0", "phone": "123"})
        await page.click("#next")
        await page.wait_for_selector("#error-id_number")
        assert "校验位" in await page.inner_text("#error-id_number")
        assert "电话" in await page.inner_text("#error-phone")
        await page.reload()
        assert await page.input_value("#f-name") == "张三"


@pytest.mark.gen_test(timeout=60)
async def test_a_desktop_newcomer_reaches_the_wechat_stand_in_from_the_portal(app, http_server, http_port):
    """The tour (docs/tour.md): a desktop browser, the local WeChat stand-in, an application started."""
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        page = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
        await page.goto(base_url + "/h5/apply")
        await page.wait_for_url("**/portal/login*")
        await page.click("#wechat-standin")
        await page.wait_for_selector("#authorize")
        await page.click("#authorize")
        await page.wait_for_url("**/h5/apply")
        await page.click("#apply-worker")
        await page.wait_for_url("**/h5/apply/worker/notice")
