"""The guidance pages through HTTP: anonymous triage, calculator and library; the back office's library, figures
and triage editing (a loop refused); the language switch remembered."""

from __future__ import annotations

import io
from urllib.parse import quote

import docx
import pytest

from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN
from tests.support.app import ROOT, make_staff
from tests.support.browser_session import CookieClient
from tests.support.office import sign_in


@pytest.fixture
def client(http_client, base_url, cheap_hashing):
    return CookieClient(http_client, base_url)


class Landed:
    """The page a chain of redirects lands on, and where."""

    def __init__(self, response, url):
        self.code, self.body, self.effective_url = response.code, response.body, url


async def follow(client, url, post=None):
    response = await (client.post(url, post) if post is not None else client.get(url))
    for _ in range(10):
        if response.code not in (301, 302, 303):
            break
        url = response.headers["Location"]
        response = await client.get(url)
    return Landed(response, url)


@pytest.mark.gen_test
async def test_triage_walk_to_an_end_anonymously(client, app):
    start = await follow(client, "/h5/triage")
    assert start.code == 200 and "relationship" in start.effective_url
    steps = [("relationship", "yes"), ("employment_status", "left"), ("known_date", "2026-01-05")]
    url = "/h5/triage/relationship"
    answers = ""
    for node, value in steps:
        page = await follow(client, f"/h5/triage/{node}?{answers}value={value}")
        assert page.code == 200, page.body
        answers = page.effective_url.split("?", 1)[1] + "&"
        url = page.effective_url
    assert "/h5/triage/place" in url and "以上都不符合" in page.body.decode()
    page = await follow(client, f"/h5/triage/place?{answers}value=310115")
    page = await follow(client, page.effective_url.replace("/h5/triage/group?", "/h5/triage/group?value=fewer&"))
    assert "/h5/triage/claim" in page.effective_url
    end = await follow(client, page.effective_url.replace("/h5/triage/claim?", "/h5/triage/claim?value=wages&"))
    end = await follow(
        client, end.effective_url.replace("/h5/triage/wage_only?", "/h5/triage/wage_only?value=plain_arrears&")
    )
    body = end.body.decode()
    assert "/h5/triage/end_wage_arrears" in end.effective_url
    assert "劳动保障监察" in body and "浦东新区劳动人事争议调解中心" in body and "劳动保障监察条例第二十六条" in body
    assert 'id="action-apply"' in body and 'id="letter-form"' in body


@pytest.mark.gen_test
async def test_a_bad_answer_stays_on_its_question(client, app):
    page = await client.get("/h5/triage/known_date?a_relationship=yes&value=2999-01-01")
    assert page.code == 422 and "日期不能晚于今天" in page.body.decode()


@pytest.mark.gen_test
async def test_the_letter_is_a_docx_read_back(client, app):
    await client.get("/h5/triage/end_apply")
    response = await client.post(
        "/h5/triage/letter",
        {
            "worker": "王小明",
            "employer": "上海某某有限公司 & 子公司",
            "requests": "请求支付加班费2750.00元",
            "carry": "",
        },
    )
    assert response.code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.body)).paragraphs)
    assert "协商函" in text and "上海某某有限公司 & 子公司" in text and "请求支付加班费2750.00元" in text


@pytest.mark.gen_test
async def test_calculator_page_and_english(client, app):
    page = await client.get("/h5/calculator?kind=overtime&go=1&monthly_wage=8700&hours_workday=10")
    body = page.body.decode()
    assert page.code == 200 and "750.00元" in body and "劳动法第四十四条" in body and 'id="apply-with-result"' in body
    switched = await follow(client, "/lang/en?next=" + quote("/h5/calculator?kind=overtime"))
    assert switched.code == 200 and "Claim calculator" in switched.body.decode()
    bad = await client.get("/h5/calculator?kind=overtime&go=1&monthly_wage=-5&hours_workday=10")
    assert bad.code == 422 and "Monthly wage cannot be negative" in bad.body.decode()


@pytest.mark.gen_test
async def test_the_calculator_asks_the_ground_before_2008_and_shows_missing_figures_apart(client, app):
    page = await client.get("/h5/calculator?kind=economic_compensation")
    body = page.body.decode()
    assert page.code == 200 and 'id="f-ground"' in body and "固定期限劳动合同期满终止" in body
    asked = (
        "/h5/calculator?kind=economic_compensation&go=1&monthly_wage=40000&start_date=2005-01-01&end_date=2026-06-30"
    )
    missing_ground = await client.get(asked + "&region_code=110105")
    assert missing_ground.code == 422 and 'id="error-ground"' in missing_ground.body.decode()
    answered = await client.get(asked + "&region_code=110105&ground=changed_circumstances")
    body = answered.body.decode()
    # Beijing has no figure on file: no cap, said in its own block above the amount (120,000 + 19 x 40,000)
    assert answered.code == 200 and "880,000.00元" in body
    assert body.index('id="calc-missing"') < body.index('id="calc-amount"') and "三倍封顶" in body
    assert "劳部发〔1994〕481号第八条" in body


@pytest.mark.gen_test
async def test_a_triage_end_says_when_the_place_has_no_minimum_wage(client, app):
    page = await client.get("/h5/triage/end_apply?a_relationship=yes&a_place=110105")
    body = page.body.decode()
    assert page.code == 200 and 'id="end-missing"' in body and "一裁终局" in body


@pytest.mark.gen_test
async def test_library_pages(client, app):
    found = await client.get("/h5/library?q=" + quote("加班费"))
    assert found.code == 200 and "延长工作时间" in found.body.decode()
    entry = await client.get("/h5/library/labour_law")
    assert entry.code == 200 and 'id="art-44"' in entry.body.decode()
    repealed = (await client.get("/h5/library/judicial_interpretation_1")).body.decode()
    note = repealed.index('id="repealed-32-1"')  # 法释〔2025〕12号 art. 21: shown at the article, the text kept
    assert note < repealed.index('id="art-32"') and "法释〔2025〕12号第二十一条" in repealed
    pending = (await client.get("/h5/library/arbitration_rules")).body.decode()
    assert 'id="art-74"' in pending and "仲裁审查申请" in pending  # 办案规则 no longer pending
    empty = await client.get("/h5/library?q=" + "x" * 1000)
    assert empty.code == 422


@pytest.mark.gen_test
async def test_office_figures_library_and_triage(client, app):
    await make_staff(app, "root.admin", role=SYSTEM_ADMIN)
    await make_staff(app, "pd.admin", role=CENTRE_ADMIN, centre_id="sh-pudong")
    await sign_in(client, "root.admin")
    saved = await client.post(
        "/office/figures",
        {
            "region_code": "310000",
            "kind": "minimum_monthly_wage",
            "amount": "2690",
            "applies_from": "2023-07-01",
            "source": "上海市人力资源和社会保障局 (test)",
        },
    )
    assert saved.code == 200 and "2,690.00元" in saved.body.decode()
    bad = await client.post(
        "/office/figures", {"region_code": "999999", "kind": "x", "amount": "-1", "applies_from": "soon", "source": ""}
    )
    assert bad.code == 422 and bad.body.decode().count('aria-invalid="true"') == 4
    found = await client.get("/office/library?q=" + quote("包薪制"))
    assert "用人单位与劳动者约定实行包薪制" in found.body.decode()
    await client.get("/office/library")
    created = await follow(
        client,
        "/office/library",
        {
            "id": "sh_test_policy",
            "kind": "policy",
            "title": "测试政策",
            "issuer": "上海市人力资源和社会保障局",
            "date": "2024-01-01",
            "status": "effective",
            "text": "第一条 测试。",
            "source_name": "测试",
        },
    )
    assert created.code == 200 and "/office/library/sh_test_policy" in created.effective_url
    source = (await client.get("/office/triage")).body.decode()
    assert "relationship" in source
    looped = (
        (ROOT / "data" / "triage_default.yaml")
        .read_text(encoding="utf-8")
        .replace("next: end_collective}", "next: relationship}")
    )
    refused = await client.post("/office/triage", {"source": looped, "centre": "sh-city"})
    assert refused.code == 422 and "绕成了圈" in refused.body.decode()
    # A centre administrator keeps their own centre's triage, not the city's.
    other = CookieClient(client.http_client, client.base_url)
    await sign_in(other, "pd.admin")
    forbidden = await other.post("/office/triage", {"source": looped, "centre": "sh-city"})
    assert forbidden.code == 403
