"""The H5 front in tests: WeChat OAuth sign-in over HTTP, and the application form filled in a real browser."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.support.app import OA_APP_ID
from tests.support.browser_session import WECHAT_UA
from tests.support.samples import COMPANY_USCC, CONTACT_ID, EMPLOYEE_ID, EMPLOYER_USCC, WORKER_ID


async def start_oauth(browser, page="/h5/apply"):
    """Open a page signed out and follow our redirects up to WeChat's authorisation address."""
    first = await browser.get(page)
    assert first.code == 302 and first.headers["Location"].startswith("/h5/oauth/start")
    to_wechat = await browser.get(first.headers["Location"])
    assert to_wechat.code == 302
    location = to_wechat.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    return location, query


async def sign_in_page(browser, wechat, openid="o-worker-1", page="/h5/apply"):
    location, query = await start_oauth(browser, page)
    code = wechat.state.issue_oauth_code(openid, OA_APP_ID)
    back = await browser.get(f"/h5/oauth/callback?code={code}&state={query['state'][0]}")
    return back


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


async def service_step(page, kind: str, electronic: bool = True) -> None:
    """From the evidence step through the 送达 step (the 送达地址确认书: the address comes filled in from the
    applicant's) to the review."""
    await next_step(page, f"/h5/apply/{kind}/service")
    assert await page.input_value("#f-address"), "the address for service comes from the applicant's"
    await page.check(f"#f-electronic-{'true' if electronic else 'false'}")
    await next_step(page, f"/h5/apply/{kind}/review")


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
    "respondent": {
        "name": "王小明",
        "phone": "13812345678",
        "id_type": "resident_id",
        "id_number": EMPLOYEE_ID,
        "job_title": "软件工程师",  # 调解仲裁法 art. 28 (一): the worker's occupation
    },
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


async def apply_signed_in(page, base_url: str, kind: str, steps: dict, uploads: list | None = None) -> str:
    """The guided application from the kind choice to the serial number, already signed in."""
    await page.goto(base_url + "/h5/apply")
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
    await service_step(page, kind)
    if uploads:
        assert await page.locator("#review-evidence li").all_inner_texts() == [p.name for p in uploads]
    assert await page.locator("#problems").count() == 0, await page.locator("#problems").inner_text()
    await page.click("#submit")
    await page.wait_for_url("**/h5/apply/done/*")
    return (await page.inner_text("#serial")).strip()


async def apply_in_browser(
    browser, base_url: str, kind: str, openid: str, steps: dict, uploads: list | None = None
) -> tuple[str, object]:
    """A phone inside WeChat: signed in through the WeChat stand-in's authorisation page, then the application."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, user_agent=WECHAT_UA)  # a phone
    page = await context.new_page()
    await page.goto(base_url + "/h5/apply")
    # The WeChat stand-in's authorisation page: the person confirms as a test user.
    await page.wait_for_selector("#authorize")
    await page.fill("input[name='openid']", openid)
    await page.click("#authorize")
    await page.wait_for_url("**/h5/apply")
    serial = await apply_signed_in(page, base_url, kind, steps, uploads)
    return serial, page
