"""The official-account journey in a real browser: OAuth at the WeChat stand-in, every step, submit, 我的申请."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.browser_session import WECHAT_UA
from tests.samples import COMPANY_USCC, CONTACT_ID, EMPLOYEE_ID, EMPLOYER_USCC, WORKER_ID


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def pick_region(page, name: str, places: tuple[str, ...]) -> None:
    """Choose a region in the cascading lists, level by level, by the names people read."""
    for level, place in enumerate(places):
        select = page.locator(f"#f-{name}-level-{level}")
        await select.wait_for()
        await page.wait_for_function(f"document.querySelector('#f-{name}-level-{level}').options.length > 1")
        await select.select_option(label=place)


async def fill(page, values: dict) -> None:
    for name, value in values.items():
        if isinstance(value, tuple):  # a region, named from the province down
            await pick_region(page, name, value)
            continue
        field = page.locator(f"[name='{name}']").first
        tag = await field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            await field.select_option(value)
        elif tag.endswith(":radio"):
            await page.locator(f"input[name='{name}'][value='{value}']").check()
        else:
            await field.fill(value)


async def next_step(page, expected_path: str) -> None:
    await page.click("#next")
    await page.wait_for_url(f"**{expected_path}")


WORKER_STEPS = {
    "applicant": {
        "name": "张三 & <李>",
        "id_type": "resident_id",
        "id_number": WORKER_ID,
        "nationality": "CHN",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": "1990-03-07",
        "education": "high_school",
        "phone": "+852 6123 4567",
        "address": "上海市浦东新区张江路100号",
        "job_title": "仓库管理员",
        "migrant_worker": "true",
        "contract_signed": "false",
        "work_location": "上海市浦东新区川沙路200号",
    },
    "respondent": {
        "name": "上海某某物流有限公司",
        "uscc": COMPANY_USCC,
        "industry": "G",
        "nature": "private",
        "address": ("上海市", "市辖区", "浦东新区", "川沙新镇"),
        "address.detail": "川沙路100号",
        "legal_representative_name": "周五",
        "legal_representative_title": "执行董事",
        "contact_name": "李四",
        "contact_phone": "139 8765 4321",
    },
    "claim": {
        "amount": "12000",
        "venue": "employer_location",
        "requests": "支付拖欠工资12000元",
        "facts": "2026年8月起公司未发工资。",
        "employment_started": "2024-03-01",
        "employment_ended": "2026-10-31",
        "dispute_known_on": "2026-10-31",
    },
}

EMPLOYER_STEPS = {
    "applicant": {
        "name": "上海某某科技有限公司",
        "uscc": EMPLOYER_USCC,
        "industry": "I",
        "nature": "private",
        "address": ("上海市", "市辖区", "徐汇区", "徐家汇街道"),
        "address.detail": "漕溪北路1号",
        "email": "hr@example.com",
        "is_agent": "false",
        "contact_name": "赵敏",
        "contact_phone": "13700001111",
        "contact_id_type": "resident_id",
        "contact_id_number": CONTACT_ID,
        "legal_representative_name": "钱伟",
        "legal_representative_title": "总经理",
        "legal_representative_phone": "13600002222",
    },
    "respondent": {"name": "王小明", "phone": "13812345678", "id_type": "resident_id", "id_number": EMPLOYEE_ID},
    "claim": {
        "amount": "0",
        "venue": "employer_location",
        "requests": "确认劳动关系已解除",
        "facts": "王小明于2026年9月30日离职。",
    },
}


def evidence_files(folder) -> list:
    """A photo (with EXIF, as phones take them) and a .zip of documents."""
    import io
    import zipfile

    from PIL import Image

    photo = folder / "劳动合同.jpg"
    image = Image.new("RGB", (640, 480), (200, 180, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    image.save(photo, "JPEG", exif=exif.tobytes())
    archive = folder / "工资条.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        buffer = io.BytesIO()
        Image.new("RGB", (100, 100), (10, 20, 30)).save(buffer, "PNG")
        zf.writestr("工资条/2026-08.png", buffer.getvalue())
        zf.writestr("说明.txt", "2026年8月至10月工资条".encode())
    return [photo, archive]


async def apply_in_browser(
    browser, base_url: str, kind: str, openid: str, steps: dict, uploads: list | None = None
) -> tuple[str, object]:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, user_agent=WECHAT_UA)  # a phone
    page = await context.new_page()
    await page.goto(base_url + "/h5/apply")
    # The WeChat stand-in's authorisation page: the person confirms as a test user.
    await page.wait_for_selector("#authorize")
    await page.fill("input[name='openid']", openid)
    await page.click("#authorize")
    await page.wait_for_url("**/h5/apply")
    await page.click(f"#apply-{kind}")
    await page.wait_for_url(f"**/h5/apply/{kind}/notice")
    await page.check("#f-accepted")
    await next_step(page, f"/h5/apply/{kind}/applicant")
    for step, following in (("applicant", "respondent"), ("respondent", "claim"), ("claim", "evidence")):
        await fill(page, steps[step])
        await next_step(page, f"/h5/apply/{kind}/{following}")
    for n, path in enumerate(uploads or [], 1):
        await page.set_input_files("#file-input", str(path))
        await page.wait_for_function(f"document.querySelectorAll('#evidence-list li').length >= {n}")
    await next_step(page, f"/h5/apply/{kind}/review")
    if uploads:
        assert await page.locator("#review-evidence li").all_inner_texts() == [p.name for p in uploads]
    assert await page.locator("#problems").count() == 0, await page.locator("#problems").inner_text()
    await page.click("#submit")
    await page.wait_for_url("**/h5/apply/done/*")
    serial = (await page.inner_text("#serial")).strip()
    return serial, page


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
