"""The guidance API: the claim calculator, the library's search and entries, languages of the answers."""

from __future__ import annotations

import pytest

from tests.support.app import body_of


@pytest.mark.gen_test
async def test_calculator_answers_with_steps_articles_and_assumptions(app, api):
    body = {
        "kind": "unlawful_termination",
        "monthly_wage": "8000",
        "start_date": "2020-06-01",
        "end_date": "2020-08-01",
    }
    response = await api.call("POST", "/api/calculator", body)
    assert response.code == 200, response.body
    result = body_of(response)
    assert result["amount"] == "8000.00" and result["months"] == "1"
    assert result["basis"][0] == "劳动合同法第八十七条"
    assert result["articles"][0]["url"] == "/h5/library/labour_contract_law#art-87"
    assert any("没有收录" in m for m in result["missing_figures"])  # no figure on file for the place: said apart
    english = body_of(await api.call("POST", "/api/calculator", body, headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert english["basis"][0] == "Labour Contract Law, art. 87" and english["amount"] == "8000.00"


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "kind": "economic_compensation",
                "monthly_wage": "-100",
                "start_date": "2020-01-01",
                "end_date": "2021-01-01",
            },
            "monthly_wage",
        ),
        (
            {
                "kind": "economic_compensation",
                "monthly_wage": "5000",
                "start_date": "2021-01-01",
                "end_date": "2020-01-01",
            },
            "end_date",
        ),
        ({"kind": "pension", "monthly_wage": "5000"}, "kind"),
        (
            {
                "kind": "economic_compensation",
                "monthly_wage": "5000",
                "start_date": "1960-01-01",
                "end_date": "2021-01-01",
            },
            "start_date",
        ),
        ({"kind": "overtime", "monthly_wage": "5000", "overtime_hours": {"workday": -3}}, "overtime_hours.workday"),
    ],
)
async def test_calculator_bad_input_is_a_422_naming_the_field(app, api, body, field):
    response = await api.call("POST", "/api/calculator", body)
    assert response.code == 422, response.body
    assert body_of(response)["error"]["field"] == field


@pytest.mark.gen_test
async def test_calculator_errors_in_english_when_asked(app, api):
    body = {"kind": "notice_pay", "monthly_wage": "abc"}
    response = await api.call("POST", "/api/calculator", body, headers={"Accept-Language": "en"})
    message = body_of(response)["error"]["message"]
    assert response.code == 422 and message == "Monthly wage: write an amount such as 12000.00 or 12,000.00"
    assert (await api.call("POST", "/api/calculator", raw=b"[1]")).code == 400


@pytest.mark.gen_test
async def test_library_search_finds_the_formal_words_for_a_colloquial_one(app, api):
    response = await api.call("GET", "/api/library?q=%E5%8A%A0%E7%8F%AD%E8%B4%B9")  # 加班费
    assert response.code == 200
    found = body_of(response)
    assert "延长工作时间" in found["also_searched"]
    titles = [item["title"] for item in found["items"]]
    assert "中华人民共和国劳动法" in titles
    labour_law = next(i for i in found["items"] if i["title"] == "中华人民共和国劳动法")
    assert labour_law["article"] == 44 and labour_law["url"].endswith("#art-44")


@pytest.mark.gen_test
@pytest.mark.parametrize("q", ["", "%20%20", "x" * 1000])
async def test_library_search_with_an_empty_or_long_query_is_a_clear_answer(app, api, q):
    response = await api.call("GET", f"/api/library?q={q}")
    assert response.code == 422 and body_of(response)["error"]["field"] == "q"


@pytest.mark.gen_test
async def test_library_entry_and_list(app, api):
    entry = body_of(await api.call("GET", "/api/library/mediation_arbitration_law"))
    assert entry["number"] == "中华人民共和国主席令第八十号" and "第二十七条" in entry["text"]
    assert entry["source"]["url"].startswith("https://")
    cases = body_of(await api.call("GET", "/api/library?kind=case&cause=05-04"))["items"]
    assert cases and all(c["kind"] == "case" for c in cases)
    assert (await api.call("GET", "/api/library/nothing_here")).code == 404
