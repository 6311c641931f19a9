"""The portal in a real desktop browser: card QR sign-in (the test plays the phone), registration, password sign-in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from argon2 import PasswordHasher
from PIL import Image

from services.accounts import passwords
from tests.support.browser import chromium
from tests.support.h5 import EMPLOYER_STEPS, WORKER_STEPS, apply_signed_in

DESKTOP = {"width": 1280, "height": 800}
MOBILE, PASSWORD = "13512345678", "Browser-Pass-2026"


@pytest.fixture(autouse=True)
def cheap_portal_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def env_overrides(pages_env, card_platform):
    return pages_env | {"CARD_PLATFORM_BASE": card_platform.base_url}


async def case_listed(page, base_url: str, serial: str) -> bool:
    await page.goto(base_url + "/h5/cases")
    return await page.locator(f".case-row[data-serial='{serial}']").count() == 1


@pytest.mark.gen_test(timeout=90)
async def test_card_sign_in_by_qr_code_then_apply(app, http_server, http_port, card_platform, tmp_path):
    base_url = f"http://127.0.0.1:{http_port}"
    async with chromium() as browser:
        computer = await (await browser.new_context(viewport=DESKTOP)).new_page()
        await computer.goto(base_url + "/h5/cases")
        await computer.wait_for_url("**/portal/login?**")
        qr = computer.locator("#card-qr")
        await qr.wait_for(state="visible")
        await computer.wait_for_function("document.getElementById('card-qr').complete")
        shot = tmp_path / "qr.png"
        await qr.screenshot(path=str(shot))
        decoded = zxingcpp.read_barcodes(Image.open(shot))
        assert len(decoded) == 1
        url = decoded[0].text
        ticket = await qr.get_attribute("data-ticket")
        assert url.startswith(card_platform.base_url + "authorize?")
        assert parse_qs(urlsplit(url).query)["ticket"] == [ticket]
        # The phone: the card's app opens the scanned address; the tester picks a person and confirms.
        phone = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
        await phone.goto(url)
        await phone.check("#person-SSC-0002")
        await phone.click("#confirm")
        await phone.wait_for_selector("#result[data-status='200']")
        # The computer's page learns it by long-polling and goes where the visitor wanted.
        await computer.wait_for_url("**/h5/cases", timeout=15000)
        assert await computer.locator("#no-cases").count() == 1
        await computer.goto(base_url + "/h5/apply/worker/applicant")
        assert await computer.input_value("#f-name") == "王社保"  # from the verified card
        assert await computer.input_value("#f-id_number") == "310104********0021"  # masked like every response
        serial = await apply_signed_in(computer, base_url, "worker", WORKER_STEPS)
        assert await case_listed(computer, base_url, serial)
        # The phone's browser got no session: a ticket signs in only the browser that asked.
        await phone.goto(base_url + "/h5/cases")
        await phone.wait_for_url("**/portal/login?**")


@pytest.mark.gen_test(timeout=90)
async def test_register_then_apply_as_employer_then_sign_in_by_password(app, http_server, http_port, card_platform):
    base_url = f"http://127.0.0.1:{http_port}"
    sms = app.settings["services"].sms
    async with chromium() as browser:
        page = await (await browser.new_context(viewport=DESKTOP)).new_page()
        await page.goto(base_url + "/h5/apply")
        await page.wait_for_url("**/portal/login?**")
        await page.click("#register-link")
        await page.wait_for_url("**/portal/register?**")
        await page.fill("#f-name", "赵敏")
        await page.select_option("#f-id_type", "resident_id")
        await page.fill("#f-id_number", EMPLOYER_STEPS["applicant"]["contact_id_number"])
        await page.fill("#f-mobile", MOBILE)
        await page.click("#send-code")
        await page.wait_for_selector("#send-code[data-sent='1']")
        await page.fill("#f-sms_code", sms.last_code(MOBILE, "register"))  # the SMS stand-in recorded it
        await page.fill("#f-password", PASSWORD)
        await page.fill("#f-password_confirm", PASSWORD)
        await page.click("#register")
        await page.wait_for_url("**/h5/apply")
        await page.goto(base_url + "/h5/apply/employer/applicant")
        assert await page.input_value("#f-contact_name") == "赵敏"  # filled from the signed-in account
        assert await page.input_value("#f-contact_phone") == "135****5678"  # masked like every response
        serial = await apply_signed_in(page, base_url, "employer", EMPLOYER_STEPS)
        await page.goto(base_url + "/h5/cases")
        await page.click("button:has-text('退出')")
        # Another computer: password sign-in, wrong first, then right; the case is in 我的申请.
        other = await (await browser.new_context(viewport=DESKTOP)).new_page()
        await other.goto(base_url + "/h5/cases")
        await other.wait_for_url("**/portal/login?**")
        await other.fill("#f-login", MOBILE)
        await other.fill("#f-password", "Not-The-Password-1")
        await other.click("#signin")
        await other.wait_for_selector("#error-login, #form-error")
        assert "账号或密码错误" in await other.content()
        await other.fill("#f-password", PASSWORD)
        await other.click("#signin")
        await other.wait_for_url("**/h5/cases")
        assert await case_listed(other, base_url, serial)


@pytest.mark.gen_test(timeout=60)
async def test_card_platform_down_the_page_says_so_and_passwords_still_work(app, http_server, http_port, card_platform):
    base_url = f"http://127.0.0.1:{http_port}"
    card_platform.state.mode = "down"
    async with chromium() as browser:
        page = await (await browser.new_context(viewport=DESKTOP)).new_page()
        await page.goto(base_url + "/portal/login")
        await page.wait_for_selector("#card-status[data-problem='1']")
        assert "社保卡平台暂时无法连接" in await page.inner_text("#card-status")
        assert await page.locator("#card-qr").is_hidden()
        assert await page.locator("#card-refresh").is_visible()
        assert await page.locator("#password-form").is_visible()
