"""Issue 11's journeys in a real browser (Playwright + chromium, phone-sized pages).

1. A worker applies with a Hong Kong mobile; the mediator accepts; the employer's contact receives the SMS
   (stand-in) and answers "agree" from its link; the mediator drafts the agreement; both parties and the
   mediator sign on phone-sized pages; the case is settled at the last signature's time; the due date passes
   (test clock); the worker reports non-payment, sees the four routes (a closed one shown closed), and the
   payment-order route produces its document.
2. The employer declines; the mediator ends the mediation; the worker receives the termination notice and
   the arbitration application, which carries every element of 劳动争议调解仲裁法 art. 28 (read back).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import docx
import pytest

from services.cases.deadline_watch import watch_once
from services.core.context import SHANGHAI, utc_now
from tests.support.app import make_staff
from tests.support.browser import ANDROID_UA, PHONE, chromium, draw_signature
from tests.support.h5 import WORKER_STEPS, apply_in_browser
from tests.support.office import office_page
from tests.support.parties import seal_png


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


class Clock:
    def __init__(self) -> None:
        now = utc_now()
        self.now = now.replace(microsecond=now.microsecond // 1000 * 1000)

    def __call__(self):
        return self.now


async def sms_to(sms, template_id: str, count: int = 1, timeout: float = 10.0):
    for _ in range(int(timeout / 0.1)):
        found = sms.messages(template_id)
        if len(found) >= count:
            return found[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {template_id} SMS #{count}")


async def respondent_answers(browser, sms, decision: str, reason: str = ""):
    """The employer's contact opens the SMS link on their phone, proves it with the code, answers."""
    invite = await sms_to(sms, "SMS_INVITE")
    phone = await (
        await browser.new_context(viewport=PHONE, user_agent=ANDROID_UA, is_mobile=True, has_touch=True)
    ).new_page()
    await phone.goto(invite.params["link"])
    assert await phone.inner_text("#phone-masked") == "139****4321"
    await phone.click("#send-code")
    await phone.wait_for_selector("#claim")
    await phone.fill("#code", sms.last_code("+8613987654321", "respond"))
    await phone.click("#claim")
    await phone.wait_for_url("**/h5/respondent/cases/*")
    assert "支付拖欠工资12000元" in await phone.inner_text("body")  # the claims are shown
    await phone.check(f"#decision-{decision}")
    if reason:
        await phone.fill("#decline-reason", reason)
    await phone.click("#answer")
    await phone.wait_for_selector("#my-answer")
    return phone


async def setup_staff(app):
    await make_staff(app, "pd.mediator", centre_id="sh-pudong", name="王调解")
    await make_staff(app, "pd.admin", role="centre_admin", centre_id="sh-pudong", name="浦东主任")


async def accept_in_office(office, base_url: str, serial: str) -> None:
    await office.goto(f"{base_url}/office/cases/{serial}")
    await office.select_option("#mediator", "pd.mediator")
    await office.click("#assign")
    await office.wait_for_selector("#accept")
    await office.click("#accept")
    await office.wait_for_selector("#respondent-access")


@pytest.mark.gen_test(timeout=240)
async def test_respond_sign_settle_breach_and_the_payment_order(app, http_server, http_port, tmp_path, cheap_hashing):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    await setup_staff(app)
    async with chromium() as browser:
        serial, worker = await apply_in_browser(browser, base_url, "worker", "o-hk-worker", WORKER_STEPS)
        doc = await ctx.db["cases"].find_one({"_id": serial})
        assert doc["centre"]["id"] == "sh-pudong" and doc["applicant"]["phone"]["masked"] == "+852 ****4567"

        # The centre's administrator uploads the seal; the mediator accepts: the respondent is invited.
        admin = await office_page(browser, base_url, "pd.admin")
        seal = tmp_path / "seal.png"
        seal.write_bytes(seal_png())
        await admin.goto(base_url + "/office/seal")
        await admin.set_input_files("#seal-file", str(seal))
        await admin.click("#upload-seal")
        await admin.wait_for_selector("#done")
        office = await office_page(browser, base_url, "pd.mediator")
        await accept_in_office(office, base_url, serial)

        respondent = await respondent_answers(browser, sms, "agree")
        assert "同意调解" in await respondent.inner_text("#my-answer")
        await office.reload()
        assert "同意调解" in await office.inner_text("#respondent-answer")

        # The mediator drafts the agreement: the term due in 20 days (after 15, the arbitral review window).
        due = (ctx.clock() + timedelta(days=20)).astimezone(SHANGHAI).date()
        await office.fill("#term-text-0", "被申请人支付申请人2026年8月至10月工资")
        await office.fill("#term-amount-0", "12000")
        await office.fill("#term-due-0", due.isoformat())
        await office.fill("#term-method-0", "银行转账")
        await office.select_option("#term-category-0", "wages")
        await office.fill("#without-session", "电话调解，双方达成一致")  # no session was held: how it was reached
        await office.click("#draft-agreement")
        await office.wait_for_function("document.querySelector('#status').innerText === '待签署协议'")

        # Each signs on a phone-sized page: the worker (in WeChat), the employer, then the mediator.
        await worker.goto(f"{base_url}/h5/cases/{serial}")
        await worker.click("#go-sign")
        await worker.wait_for_selector("#signature-canvas")
        await worker.click("#sign")  # an empty pad is not a signature
        assert await worker.is_visible("#signature-empty")
        await draw_signature(worker)
        await worker.click("#sign")
        await worker.wait_for_url(f"**/h5/cases/{serial}")
        assert "已签名" in await worker.inner_text("#signed-applicant")
        await respondent.goto(f"{base_url}/h5/respondent/cases/{serial}/agreement")
        assert "被申请人支付申请人2026年8月至10月工资" in await respondent.inner_text("#terms")
        # The company signs through a named person (its legal representative here), its seal beside the signature.
        assert "委托代理人" in await respondent.inner_text("#no-authority")  # no authorisation recorded: no agent
        await respondent.click("label:has(#capacity-legal-representative)")
        await respondent.set_input_files(
            "#seal-file", files=[{"name": "seal.png", "mimeType": "image/png", "buffer": seal_png()}]
        )
        await respondent.wait_for_function("document.querySelector('#seal-image').value.startsWith('data:image/png')")
        await draw_signature(respondent)
        await respondent.click("#sign")
        await respondent.wait_for_url(f"**/h5/respondent/cases/{serial}")
        mediator = await office_page(browser, base_url, "pd.mediator", PHONE)
        await mediator.goto(f"{base_url}/office/cases/{serial}")
        await draw_signature(mediator)
        await mediator.click("#sign")
        await mediator.wait_for_function("document.querySelector('#status').innerText === '调解成功'")

        doc = await ctx.db["cases"].find_one({"_id": serial})
        final = doc["outcome"]["agreement"]
        company = next(s for s in final["signatures"] if s["role"] == "respondent")
        assert company["capacity"] == "legal_representative" and company["signatory"] and company.get("seal_blob_id")
        last = max(s["at"] for s in final["signatures"])
        assert doc["status"] == "settled" and final["effective_at"] == last == doc["outcome"]["at"]
        assert [s["role"] for s in final["signatures"]] == ["applicant", "respondent", "mediator"]
        await worker.goto(f"{base_url}/h5/cases/{serial}")
        assert await worker.inner_text("#status") == "调解成功"
        assert last.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") in await worker.inner_text("#effective")

        # The due date passes (test clock): the watch asks the parties; the worker reports non-payment.
        clock = Clock()
        clock.now = utc_now() + timedelta(days=21)
        ctx.clock = ctx.real_clock = clock  # three weeks pass, for the sessions too (real time)
        assert (await watch_once(ctx))["performance_asked"] == 1
        # Three weeks on, the worker's session has ended: WeChat signs them in again from the message's link.
        await worker.goto(f"{base_url}/h5/cases/{serial}")
        await worker.wait_for_selector("#authorize")
        await worker.fill("input[name='openid']", "o-hk-worker")
        await worker.click("#authorize")
        await worker.wait_for_url(f"**/h5/cases/{serial}")
        assert "待履行" in await worker.inner_text("#term-state-1")
        await worker.click("#breached-1")
        await worker.wait_for_selector("#route-payment_order")
        for route in ("arbitration", "payment_order", "judicial_confirmation", "arbitral_review"):
            assert await worker.locator(f"#route-{route}").count() == 1
        assert "已于" in await worker.inner_text("#closed-arbitral_review")  # its 15 days have passed: closed
        assert await worker.locator("#paper-arbitral_review").count() == 0
        async with worker.expect_download() as waiting:
            await worker.click("#paper-payment_order")
        download = await waiting.value
        document = docx.Document(await download.path())
        texts = [p.text for p in document.paragraphs]
        assert texts[0] == "支付令申请书"
        assert any("请求人民法院向被申请人发出支付令" in t and "壹万贰仟元整" in t for t in texts)
        assert texts[texts.index("此致") + 1] == "上海市浦东新区人民法院"  # the debtor's basic court


@pytest.mark.gen_test(timeout=180)
async def test_the_employer_declines_and_the_mediation_ends_with_the_workers_notice_and_arbitration_application(
    app, http_server, http_port, cheap_hashing
):
    base_url = f"http://127.0.0.1:{http_port}"
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    await setup_staff(app)
    async with chromium() as browser:
        serial, worker = await apply_in_browser(browser, base_url, "worker", "o-declined-worker", WORKER_STEPS)
        office = await office_page(browser, base_url, "pd.mediator")
        await accept_in_office(office, base_url, serial)
        await respondent_answers(browser, sms, "decline", "我方已足额支付工资")

        # Mediation is voluntary: the refusal ended it at once (调解仲裁法 arts. 5, 14 ¶3), no mediator's move awaited.
        await worker.goto(f"{base_url}/h5/cases/{serial}")
        assert "拒绝调解" in await worker.inner_text("#respondent-answer")
        assert await worker.inner_text("#status") == "调解不成"
        end = await worker.inner_text("#end")
        assert "被申请人不同意调解，调解已终止。" in end and "请最迟于" in end
        assert await worker.is_visible("#may-arbitrate")  # the arbitration application, one tap away
        assert "一年" in await worker.inner_text("#limitation")
        kinds = [await a.get_attribute("data-kind") for a in await worker.locator("#documents a").all()]
        assert sorted(kinds) == ["arbitration", "termination_notice"]
        texts = {}
        for kind in kinds:
            async with worker.expect_download() as waiting:
                await worker.click(f"#documents a[data-kind='{kind}']")
            texts[kind] = docx.Document(await (await waiting.value).path())

    notice = [p.text for p in texts["termination_notice"].paragraphs]
    assert notice[0] == "调解终止通知书"
    assert any("因上海某某物流有限公司明确表示不同意调解，本调解组织于" in t for t in notice)
    assert any("请最迟于" in t and "提出仲裁申请" in t for t in notice)
    arbitration = texts["arbitration"]
    worker_rows = {r.cells[0].text: r.cells[1].text for r in arbitration.tables[0].rows}
    employer_rows = {r.cells[0].text: r.cells[1].text for r in arbitration.tables[1].rows}
    # 劳动争议调解仲裁法 art. 28 (1): the worker's name, gender, age, occupation, work unit and domicile; the
    # employer's name, domicile, and its legal representative's name and title.
    assert worker_rows["姓名"] == "张三 & <李>" and worker_rows["性别"] == "男"
    born = worker_rows["出生日期（年龄）"]
    assert born.startswith("一九九〇年三月七日（") and born.endswith("岁）")
    assert worker_rows["职业"] == "仓库管理员" and worker_rows["工作单位"] == "上海某某物流有限公司"
    assert (
        worker_rows["住所"] == "上海市浦东新区张江路100号" and worker_rows["联系电话"] == "+852 6123 4567"
    )  # as people write it
    assert employer_rows["名称"] == "上海某某物流有限公司"
    assert employer_rows["住所"] == "上海市浦东新区川沙新镇川沙路100号"
    assert employer_rows["法定代表人（主要负责人）"] == "周五" and employer_rows["职务"] == "执行董事"
    paragraphs = [p.text for p in arbitration.paragraphs]
    # (2) the claims and the facts and reasons they rest on; (3) the evidence and its sources, witnesses.
    assert "仲裁请求" in paragraphs and "事实和理由" in paragraphs
    assert "证据和证据来源" in paragraphs and "证人" in paragraphs
    assert any("支付拖欠工资12000元" in p for p in paragraphs)
    assert paragraphs[paragraphs.index("此致") + 1] == "上海市浦东新区劳动人事争议仲裁委员会"
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["outcome"]["closure_reason"] == "refused_to_continue"
