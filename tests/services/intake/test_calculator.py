"""The claim calculator against worked examples (each cited) and the arithmetic of its articles.

Official worked examples found (人力资源和社会保障部、最高人民法院《关于联合发布第二批劳动人事争议典型案例的通知》,
人社部函〔2021〕90号, 2021-08-25; the texts ship in data/library/case_2021_*.yaml):
- "劳动者拒绝违法超时加班安排，用人单位能否解除劳动合同": 张某 joined a courier company in June 2020 at 8,000 yuan a
  month and was dismissed two months later; the commission awarded 8,000 yuan of compensation for unlawful
  termination (under six months counts half a month: 2 x 0.5 x 8,000).
- "用人单位未与劳动者协商一致增加工作任务，劳动者是否有权拒绝": 张某 joined a newspaper company in September 2018 at
  3,500 yuan a month and was dismissed in the third quarter of 2020; awarded 14,000 yuan (one year and some ten
  months: N = 2; 2 x 2 x 3,500).
Where no published case gives figures a kind's rule can be checked against, the test works the article's own
arithmetic (the article is named in each test) rather than invent a "case".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.core.errors import ValidationFailed
from services.directory.local_figures import Figure
from services.intake import calculator
from services.intake.calculator import LocalFigures, compute, parse_query

NONE = LocalFigures(None, None, "")


def _run(local: LocalFigures = NONE, **body):
    return compute(parse_query(body), local).as_json()


def _figures(average: str | None = None, minimum: str | None = None) -> LocalFigures:
    def figure(kind: str, amount: str) -> Figure:
        return Figure("f", "310000", kind, Decimal(amount), date(2024, 7, 1), "上海市人力资源和社会保障局")

    return LocalFigures(
        figure("average_monthly_wage", average) if average else None,
        figure("minimum_monthly_wage", minimum) if minimum else None,
        "上海市",
    )


def test_worked_example_unlawful_dismissal_after_two_months():
    # 人社部函〔2021〕90号, "劳动者拒绝违法超时加班安排，用人单位能否解除劳动合同": 8,000 yuan awarded.
    result = _run(kind="unlawful_termination", monthly_wage="8000", start_date="2020-06-01", end_date="2020-08-10")
    assert result["amount"] == "8000.00" and result["months"] == "1"
    assert result["basis"][:2] == ["劳动合同法第八十七条", "劳动合同法实施条例第二十五条"]


def test_worked_example_unlawful_dismissal_after_one_year_and_ten_months():
    # 人社部函〔2021〕90号, "用人单位未与劳动者协商一致增加工作任务，劳动者是否有权拒绝": 14,000 yuan awarded.
    result = _run(kind="unlawful_termination", monthly_wage="3500", start_date="2018-09-01", end_date="2020-07-15")
    assert result["amount"] == "14000.00" and result["months"] == "4"


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2020-01-01", "2022-12-31", "3"),  # three full years
        ("2020-01-01", "2023-06-29", "3.5"),  # three years and six months less a day: half a month (art. 47)
        ("2020-01-01", "2023-06-30", "4"),  # three years and six months (both days counted): a year
        ("2020-01-01", "2020-01-31", "0.5"),  # one month
    ],
)
def test_economic_compensation_counts_years_as_article_47_says(start, end, months):
    result = _run(kind="economic_compensation", monthly_wage="6000", start_date=start, end_date=end)
    assert result["months"] == months
    assert Decimal(result["amount"]) == Decimal("6000") * Decimal(months)


def test_three_times_the_average_caps_the_wage_and_twelve_years():
    # 劳动合同法 art. 47 para. 2: the wage at most 3x the local average, and then at most 12 years.
    result = _run(
        _figures(average="10000"),
        kind="economic_compensation",
        monthly_wage="50000",
        start_date="2005-03-01",
        end_date="2025-02-28",
    )
    assert result["amount"] == "360000.00"  # 30,000 x 12, not 50,000 x 20
    assert any("2008" in a for a in result["assumptions"])  # art. 97: the years before 2008
    assert any("上海市" in a and "上海市人力资源和社会保障局" in a for a in result["assumptions"])


def test_the_minimum_wage_is_the_floor():
    # 劳动合同法实施条例 art. 27: a monthly wage below the local minimum counts as the minimum.
    result = _run(
        _figures(minimum="2690"),
        kind="economic_compensation",
        monthly_wage="2000",
        start_date="2024-01-01",
        end_date="2024-12-31",
    )
    assert result["amount"] == "2690.00" and "劳动合同法实施条例第二十七条" in result["basis"]


def test_without_a_configured_figure_no_cap_is_applied_and_that_is_said():
    result = _run(kind="economic_compensation", monthly_wage="90000", start_date="2010-01-01", end_date="2024-12-31")
    assert result["amount"] == "1350000.00"  # 15 years, no cap
    assert any("三倍封顶" in a for a in result["assumptions"])


def test_no_written_contract_counts_from_the_second_month_and_at_most_eleven():
    # 劳动合同法 art. 82, 实施条例 arts. 6-7: from the day after the first full month to the day before signing.
    signed = _run(
        kind="no_written_contract",
        monthly_wage="5000",
        start_date="2024-03-01",
        end_date="2024-12-31",
        contract_signed_date="2024-07-01",
    )
    assert signed["months"] == "3" and signed["amount"] == "15000.00"  # April, May, June
    never = _run(kind="no_written_contract", monthly_wage="5000", start_date="2020-01-01", end_date="2022-01-01")
    assert Decimal(never["months"]) <= 11 and "劳动合同法第十四条" in never["basis"]
    within = _run(
        kind="no_written_contract",
        monthly_wage="5000",
        start_date="2024-03-01",
        end_date="2024-12-31",
        contract_signed_date="2024-03-20",
    )
    assert within["amount"] == "0.00"


def test_overtime_at_150_200_300_percent_of_the_hourly_wage():
    # 劳动法 art. 44; 劳社部发〔2008〕3号: hourly wage = monthly / 21.75 / 8 (8,700 / 174 = 50 yuan).
    result = _run(kind="overtime", monthly_wage="8700", overtime_hours={"workday": 10, "rest_day": 8, "holiday": 8})
    assert result["amount"] == "2750.00"  # 750 + 800 + 1,200
    assert result["basis"][0] == "劳动法第四十四条"


def test_annual_leave_in_the_year_of_leaving():
    # 实施办法 art. 12: 181 / 365 x 10 days = 4.96, fraction dropped: 4; less 1 taken: 3; x 8,700 / 21.75 x 200 %.
    result = _run(
        kind="annual_leave", monthly_wage="8700", end_date="2026-06-30", cumulative_service_years=12, leave_days_taken=1
    )
    assert result["amount"] == "2400.00"
    assert calculator.leave_entitlement(Decimal("0.5")) == 0 and calculator.leave_entitlement(Decimal(20)) == 15


def test_notice_pay_is_one_month():
    result = _run(kind="notice_pay", monthly_wage="7300.5")
    assert result["amount"] == "7300.50" and result["basis"] == ["劳动合同法第四十条", "劳动合同法实施条例第二十条"]


def test_every_problem_at_once():
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"kind": "economic_compensation", "monthly_wage": "x", "start_date": "2020-13-01", "extra": 1})
    fields = {e.field for e in caught.value.errors}
    assert {"monthly_wage", "start_date", "end_date", "extra"} <= fields


def test_english_words():
    result = compute(parse_query({"kind": "notice_pay", "monthly_wage": "5000"}), NONE).as_json("en")
    assert result["basis"] == ["Labour Contract Law, art. 40", "Labour Contract Law Implementing Regulations, art. 20"]
    assert result["steps"] == ["One extra month's wage (at last month's rate): CNY 5,000.00."]
