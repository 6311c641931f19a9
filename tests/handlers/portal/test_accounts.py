"""Portal password accounts over HTTP: registration by SMS code, sign-in, lockout, reset; refusals change nothing."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from services.accounts import passwords, portal_accounts
from services.core.context import utc_now
from services.core.personal_data import mask_document_number, unseal_party
from settings import SettingsError, load_settings
from tests.support.app import ROOT, body_of, server_environ
from tests.support.browser_session import DESKTOP_UA, CookieClient
from tests.support.portal import (
    MOBILE,
    PASSWORD,
    card_sign_in,
    person_of,
    post_api,
    register,
    registration,
    send_code,
    sms_of,
)
from tests.support.samples import COMPANY_USCC, CONTACT_ID, WORKER_ID


@pytest.fixture(autouse=True)
def cheap_portal_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def env_overrides(pages_env, card_platform):
    return pages_env | {"CARD_PLATFORM_BASE": card_platform.base_url}


@pytest.fixture
def desktop(http_client, base_url):
    return CookieClient(http_client, base_url, DESKTOP_UA)


def db_of(app):
    return app.settings["services"].ctx.db


def form_error(response) -> str:
    """The message at the top of a portal form."""
    match = re.search(r'id="form-error"[^>]*>(.*?)<', response.body.decode(), re.S)
    return match.group(1).strip() if match else ""


async def counts(app):
    db = db_of(app)
    return tuple([await db[c].count_documents({}) for c in ("portal_accounts", "persons", "identities")])


@pytest.mark.gen_test
async def test_registration_signs_in_and_keeps_numbers_sealed(desktop, app):
    response = await register(desktop, app, mobile="139 1234 5678")
    assert response.code == 302 and response.headers["Location"] == "/h5/cases"
    assert (await desktop.get("/h5/cases")).code == 200
    account = await db_of(app)["portal_accounts"].find_one({})
    assert account["_id"] == portal_accounts.id_number_hash(app.settings["services"].ctx, CONTACT_ID)
    assert account["person_id"] == person_of(desktop, app)
    assert account["mobile"]["masked"] == "139****5678" and account["password_hash"].startswith("$argon2id$")
    assert CONTACT_ID not in repr(account) and MOBILE not in repr(account) and PASSWORD not in repr(account)
    assert await db_of(app)["sms_codes"].count_documents({}) == 0  # the code was used up


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"id_number": WORKER_ID[:-1] + ("0" if WORKER_ID[-1] != "0" else "1")}, "id_number", "校验位"),
        ({"id_number": "12345"}, "id_number", "18位"),
        ({"password": "short", "password_confirm": "short"}, "password", "至少需要10个字符"),
        ({"password": "alllowercaseletters", "password_confirm": "alllowercaseletters"}, "password", "至少3类"),
        ({"password_confirm": PASSWORD + "x"}, "password_confirm", "不一致"),
        ({"name": ""}, "name", "真实姓名"),
    ],
)
async def test_bad_registrations_are_refused_next_to_the_field(desktop, app, changes, field, words):
    response = await register(desktop, app, **changes)
    page = response.body.decode()
    assert response.code == 422 and f'id="error-{field}"' in page and words in page
    assert await counts(app) == (0, 0, 0) and "h5_session" not in desktop.cookies
    assert await db_of(app)["sms_codes"].count_documents({}) == 1  # the code is still there to use


@pytest.mark.gen_test
async def test_wrong_or_expired_sms_code(desktop, app):
    assert (await send_code(desktop)).code == 200
    code = sms_of(app).last_code(MOBILE)
    wrong = await desktop.post("/portal/register", registration(f"{(int(code) + 1) % 1_000_000:06d}"))
    assert wrong.code == 422 and "验证码不正确" in wrong.body.decode()
    assert await counts(app) == (0, 0, 0)
    ctx = app.settings["services"].ctx
    ctx.real_clock = lambda: utc_now() + timedelta(minutes=6)
    expired = await desktop.post("/portal/register", registration(code))
    assert expired.code == 422 and "验证码已失效" in expired.body.decode() and await counts(app) == (0, 0, 0)


@pytest.mark.gen_test
async def test_too_many_wrong_codes_drop_the_code(desktop, app):
    assert (await send_code(desktop)).code == 200
    code = sms_of(app).last_code(MOBILE)
    for _ in range(5):
        await desktop.post("/portal/register", registration("000000" if code != "000000" else "111111"))
    response = await desktop.post("/portal/register", registration(code))
    assert response.code == 422 and "验证码已失效" in response.body.decode() and await counts(app) == (0, 0, 0)


def field_error(response, field: str) -> str:
    match = re.search(rf'id="error-{field}"[^>]*>(.*?)<', response.body.decode(), re.S)
    return match.group(1).strip() if match else ""


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.gen_test
async def test_an_existing_account_is_named_only_after_the_right_code(desktop, app, http_client, base_url):
    assert (await register(desktop, app)).code == 302  # CONTACT_ID, MOBILE
    before = await counts(app)
    other = CookieClient(http_client, base_url, DESKTOP_UA)
    assert (await send_code(other, "13700001111")).code == 200
    code = sms_of(app).last_code("13700001111", "register")
    # A wrong code tells nothing about the ID number: a registered one and a free one answer alike.
    taken = await other.post("/portal/register", registration(wrong(code), mobile="13700001111"))
    free = await other.post("/portal/register", registration(wrong(code), mobile="13700001111", id_number=WORKER_ID))
    assert taken.code == free.code == 422
    assert field_error(taken, "sms_code") == field_error(free, "sms_code") == "验证码不正确"
    assert "已注册" not in taken.body.decode()
    # The mobile's owner (the right code) learns that the ID number has an account; the code is used up.
    same_id = await other.post("/portal/register", registration(code, mobile="13700001111"))
    assert same_id.code == 409 and "已注册过账号" in field_error(same_id, "id_number")
    again = await other.post("/portal/register", registration(code, mobile="13700001111", id_number=WORKER_ID))
    assert again.code == 422 and field_error(again, "sms_code") == "验证码已失效，请重新获取"
    assert await counts(app) == before and "h5_session" not in other.cookies


@pytest.mark.gen_test
async def test_a_code_request_does_not_tell_whether_the_mobile_has_an_account(desktop, app, http_client, base_url):
    assert (await register(desktop, app)).code == 302  # MOBILE has an account
    other = CookieClient(http_client, base_url, DESKTOP_UA)
    await other.get("/portal/register")
    already = len(sms_of(app).sent)
    asks = [(MOBILE, "register"), ("13700001111", "register"), (MOBILE, "reset"), ("13700002222", "reset")]
    answers = [await send_code(other, mobile, purpose) for mobile, purpose in asks]
    assert [a.code for a in answers] == [200] * 4 and all(body_of(a) == body_of(answers[1]) for a in answers)
    # The phones got a code where it fits, else a notice of why no code came (only the phone's owner reads it).
    got = [(m.mobile, m.purpose or m.notice) for m in sms_of(app).sent[already:]]
    assert got == [
        (MOBILE, "already_registered"),
        ("13700001111", "register"),
        (MOBILE, "reset"),
        ("13700002222", "no_account"),
    ]
    assert all(not m.code for m in sms_of(app).sent[already:] if m.notice)
    # Asked again at once: "too soon" for all alike.
    again = [await send_code(other, mobile, purpose) for mobile, purpose in asks]
    assert [a.code for a in again] == [429] * 4
    assert {body_of(a)["error"]["code"] for a in again} == {"sms_too_soon"}
    # A code typed where a notice went is simply wrong, like any wrong code: nothing tells the cases apart.
    registered = await other.post("/portal/register", registration("123456"))
    assert registered.code == 422 and field_error(registered, "sms_code") == "验证码不正确"
    new = {"password": "New-Portal-Pass-1", "password_confirm": "New-Portal-Pass-1"}
    no_account = await other.post("/portal/reset", {"mobile": "13700002222", "sms_code": "123456"} | new)
    known = await other.post(
        "/portal/reset", {"mobile": MOBILE, "sms_code": wrong(sms_of(app).last_code(MOBILE, "reset"))} | new
    )
    assert no_account.code == known.code == 422
    assert field_error(no_account, "sms_code") == field_error(known, "sms_code") == "验证码不正确"
    assert "没有注册" not in no_account.body.decode()


@pytest.mark.gen_test
async def test_the_service_wide_sms_caps_refuse_and_send_nothing(desktop, app):
    ctx = app.settings["services"].ctx
    ctx.settings = dataclasses.replace(ctx.settings, sms_per_minute=3, sms_per_day=5)
    moment = [datetime(2026, 11, 22, 15, 0, 5, tzinfo=UTC)]  # 23:00:05 in Shanghai
    ctx.real_clock = lambda: moment[0]
    await desktop.get("/portal/register")
    mobiles = iter(f"1370000{i:04d}" for i in range(20))  # each mobile its own: the per-mobile limit never bites
    for _ in range(3):
        assert (await send_code(desktop, next(mobiles))).code == 200
    over = await send_code(desktop, next(mobiles))
    error = body_of(over)["error"]
    assert over.code == 429 and error["code"] == "sms_global_limit" and "每分钟上限" in error["message"]
    assert len(sms_of(app).sent) == 3 and await db_of(app)["sms_codes"].count_documents({}) == 3
    moment[0] += timedelta(minutes=1)  # a new minute, but the day allows only two more
    for _ in range(2):
        assert (await send_code(desktop, next(mobiles))).code == 200
    day_over = await send_code(desktop, next(mobiles))
    assert day_over.code == 429 and "今日短信发送量已达本系统上限" in body_of(day_over)["error"]["message"]
    assert len(sms_of(app).sent) == 5 and await db_of(app)["sms_codes"].count_documents({}) == 5
    moment[0] += timedelta(hours=1)  # 00:01 in Shanghai: a new day (refusals used none of its allowance)
    assert (await send_code(desktop, next(mobiles))).code == 200 and len(sms_of(app).sent) == 6


def test_sms_caps_come_from_the_configuration(tmp_path):
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "max_per_minute: 60" in config and "max_per_day: 2000" in config
    environ = server_environ("http://127.0.0.1:9/")
    (tmp_path / "config.yaml").write_text(config.replace("max_per_minute: 60", "max_per_minute: 7"), encoding="utf-8")
    settings = load_settings(tmp_path / "config.yaml", environ=environ)
    assert (settings.sms_per_minute, settings.sms_per_day) == (7, 2000)
    (tmp_path / "config.yaml").write_text(config.replace("max_per_day: 2000", "max_per_day: 0"), encoding="utf-8")
    with pytest.raises(SettingsError, match="max_per_day"):
        load_settings(tmp_path / "config.yaml", environ=environ)


@pytest.mark.gen_test
async def test_sms_resend_limit_and_provider_down(desktop, app):
    assert (await send_code(desktop)).code == 200
    again = await send_code(desktop)
    assert again.code == 429 and "秒后" in body_of(again)["error"]["message"]
    sms_of(app).down = True
    down = await send_code(desktop, "13600002222")
    assert down.code == 503 and "短信服务暂时不可用" in body_of(down)["error"]["message"]
    assert await db_of(app)["sms_codes"].count_documents({}) == 1
    bad = await send_code(desktop, "12345")
    assert bad.code == 422 and body_of(bad)["error"]["field"] == "mobile"
    unknown = await send_code(desktop, "13600002222", "reset")  # a notice would go there: the same 503
    assert unknown.code == 503


@pytest.mark.gen_test
async def test_sign_in_wrong_password_unknown_account_and_lockout_then_reset(desktop, app, http_client, base_url):
    assert (await register(desktop, app)).code == 302
    person = person_of(desktop, app)
    browser = CookieClient(http_client, base_url, DESKTOP_UA)
    await browser.get("/portal/login")
    unknown = await browser.post("/portal/login", {"login": "13800009999", "password": PASSWORD})
    wrong = await browser.post("/portal/login", {"login": MOBILE, "password": "Wrong-Pass-2026"})
    assert unknown.code == wrong.code == 401
    assert "账号或密码错误" in unknown.body.decode() and "账号或密码错误" in wrong.body.decode()
    empty = await browser.post("/portal/login", {"login": "", "password": ""})
    assert empty.code == 422 and 'id="error-login"' in empty.body.decode()
    for _ in range(4):  # the fifth failure locks the account, and answers like any other
        again = await browser.post("/portal/login", {"login": MOBILE, "password": "Wrong-Pass-2026"})
        assert again.code == 401 and form_error(again) == form_error(unknown)
    # Locked: a wrong password still answers exactly like a wrong pair of an unknown account...
    locked_wrong = await browser.post("/portal/login", {"login": CONTACT_ID, "password": "Wrong-Pass-2027"})
    unknown = await browser.post("/portal/login", {"login": "13800009999", "password": "Wrong-Pass-2027"})
    assert locked_wrong.code == unknown.code == 401 and form_error(locked_wrong) == form_error(unknown)
    # ...and so does the right password: the words say a lock may be why, and how to get in now.
    still = await browser.post("/portal/login", {"login": CONTACT_ID, "password": PASSWORD})
    assert still.code == 401 and form_error(still) == form_error(unknown) and "h5_session" not in browser.cookies
    assert "锁定15分钟" in still.body.decode() and "重置密码" in still.body.decode()
    # Reset by SMS: a wrong code changes nothing, the right one sets the password and lifts the lock.
    assert (await send_code(browser, purpose="reset")).code == 200
    new = "New-Portal-Pass-1"
    bad = await browser.post(
        "/portal/reset",
        {
            "mobile": MOBILE,
            "sms_code": "999999" if sms_of(app).last_code(MOBILE, "reset") != "999999" else "888888",
            "password": new,
            "password_confirm": new,
        },
    )
    assert bad.code == 422
    code = sms_of(app).last_code(MOBILE, "reset")
    reset = await browser.post(
        "/portal/reset", {"mobile": MOBILE, "sms_code": code, "password": new, "password_confirm": new}
    )
    assert reset.code == 302 and person_of(browser, app) == person
    fresh = CookieClient(http_client, base_url, DESKTOP_UA)
    await fresh.get("/portal/login")
    assert (await fresh.post("/portal/login", {"login": MOBILE, "password": PASSWORD})).code == 401
    by_id = await fresh.post("/portal/login?next=/h5/cases", {"login": CONTACT_ID.lower(), "password": new})
    assert by_id.code == 302 and by_id.headers["Location"] == "/h5/cases" and person_of(fresh, app) == person


@pytest.mark.gen_test
async def test_registering_a_verified_persons_id_number_links_nothing(
    desktop, api, card_platform, app, http_client, base_url
):
    await card_sign_in(desktop, api, card_platform, "SSC-0001")  # 李卡, WORKER_ID's number
    card_person = person_of(desktop, app)
    stranger = CookieClient(http_client, base_url, DESKTOP_UA)
    response = await register(stranger, app, name="李卡", id_number="310115199003071239")
    assert response.code == 302 and person_of(stranger, app) != card_person
    links = await db_of(app)["identities"].find({"person_id": card_person}).to_list(None)
    assert [link["provider"] for link in links] == ["sscard"]


@pytest.mark.gen_test
async def test_a_card_with_another_id_than_the_account_is_not_linked(desktop, api, card_platform, app):
    assert (await register(desktop, app)).code == 302  # CONTACT_ID
    ticket = await post_api(desktop, "/portal/card/tickets")
    body = body_of(ticket)
    note = card_platform.state.signed_notification("dev-mediation-channel", body["ticket"], "SSC-0003")
    assert (await api.call("POST", "/portal/card/notify", note)).code == 200
    state = body_of(await desktop.get(body["poll"]))
    assert state["state"] == "failed" and "不一致" in state["message"]


@pytest.mark.gen_test
async def test_employer_application_prefills_the_contact_from_the_account_masked(desktop, app):
    assert (await register(desktop, app)).code == 302
    page = (await desktop.get("/h5/apply/employer/applicant")).body.decode()
    assert 'value="赵敏"' in page and f'value="{mask_document_number(CONTACT_ID)}"' in page
    assert 'value="139****5678"' in page and CONTACT_ID not in page and MOBILE not in page
    worker = (await desktop.get("/h5/apply/worker/applicant")).body.decode()
    assert 'name="name" value="赵敏"' in worker and CONTACT_ID not in worker and MOBILE not in worker


def input_values(page: str) -> dict[str, str]:
    """The text inputs of a step page as it shows them (selects are not read)."""
    return dict(re.findall(r'<input[^>]*?name="([a-z_]+)"[^>]*?value="([^"]*)"', page))


WORKER_REST = {
    "id_type": "resident_id",
    "nationality": "CHN",
    "gender": "female",
    "ethnicity": "汉族",
    "birth_date": "1985-06-12",
    "education": "bachelor",
    "address": "上海市徐汇区漕溪北路1号",
    "job_title": "会计",
    "migrant_worker": "false",
    "contract_signed": "true",
    "work_location": "上海市川沙路200号",
}


@pytest.mark.gen_test(timeout=30)
async def test_the_masked_prefill_sent_back_unchanged_stores_the_real_numbers(desktop, app):
    assert (await register(desktop, app)).code == 302
    prefilled = input_values((await desktop.get("/h5/apply/worker/applicant")).body.decode())
    assert "*" in prefilled["id_number"] and prefilled["phone"] == "139****5678"
    rest = WORKER_REST
    # A page with a problem elsewhere shows the masks again (never the numbers); sent back, they still count
    # (the first time as the person's own numbers, then as the draft's).
    shown = prefilled
    for _ in range(2):
        again = await desktop.post("/h5/apply/worker/applicant", shown | rest | {"birth_date": ""})
        assert again.code == 422 and CONTACT_ID not in again.body.decode() and MOBILE not in again.body.decode()
        shown = input_values(again.body.decode())
        assert (shown["id_number"], shown["phone"]) == (prefilled["id_number"], prefilled["phone"])
    second = await desktop.post("/h5/apply/worker/applicant", shown | rest)
    assert second.code == 302 and second.headers["Location"] == "/h5/apply/worker/respondent"
    steps = {
        "notice": {"version": "2026-01", "accepted": "yes"},
        "respondent": {
            "name": "上海某某物流有限公司",
            "uscc": COMPANY_USCC,
            "industry": "G",
            "nature": "private",
            "address.region_code": "310115103",
            "address.detail": "川沙路100号",
            "legal_representative_name": "周五",
        },
        "claim": {
            "amount": "12000",
            "venue": "employer_location",
            "requests": "支付拖欠工资12000元",
            "facts": "2026年8月起公司未发工资。",
            "employment_started": "2024-03-01",
        },
        "service": {"electronic": "true", "address": "上海市浦东新区张江路100号"},
    }
    for step, form in steps.items():
        assert (await desktop.post(f"/h5/apply/worker/{step}", form)).code == 302, step
    review = await desktop.get("/h5/apply/worker/review")
    assert CONTACT_ID not in review.body.decode() and MOBILE not in review.body.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', review.body.decode()).group(1)
    done = await desktop.post("/h5/apply/worker/submit", {"idempotency_key": key})
    assert done.code == 302 and done.headers["Location"].startswith("/h5/apply/done/")
    case = await db_of(app)["cases"].find_one({})
    applicant = unseal_party(app.settings["services"].ctx.cipher, case["applicant"], "applicant")
    assert (applicant["id_number"], applicant["phone"]) == (CONTACT_ID, "+86" + MOBILE)  # stored in E.164


@pytest.mark.gen_test
async def test_a_mask_that_is_not_of_the_persons_own_number_is_refused(desktop, app):
    assert (await register(desktop, app)).code == 302
    prefilled = input_values((await desktop.get("/h5/apply/worker/applicant")).body.decode())
    other = mask_document_number(WORKER_ID)  # someone else's mask stands for nothing
    response = await desktop.post(
        "/h5/apply/worker/applicant", prefilled | WORKER_REST | {"id_number": other, "phone": "138****5678"}
    )
    page = response.body.decode()
    assert response.code == 422 and 'id="error-id_number"' in page and 'id="error-phone"' in page
