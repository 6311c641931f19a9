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
    # 劳动合同法 art. 47 para. 2: the wage at most 3x the local average, and then at most 12 years (from 2008: the
    # expiry of a fixed-term contract pays nothing for the years before, art. 97 para. 3).
    result = _run(
        _figures(average="10000"),
        kind="economic_compensation",
        monthly_wage="50000",
        start_date="2005-03-01",
        end_date="2025-02-28",
        ground="expiry",
    )
    assert result["amount"] == "360000.00"  # 30,000 x 12, not 50,000 x 20
    assert any("上海市" in a and "上海市人力资源和社会保障局" in a for a in result["assumptions"])


# The pre-2008 service (issue 21 item 14): 劳动合同法 art. 97 para. 3 and 劳部发〔1994〕481号.
BIG = {"monthly_wage": "40000", "start_date": "2005-01-01", "end_date": "2026-06-30"}


def test_before_2008_the_old_rules_pay_at_the_actual_wage_without_the_caps():
    # Ground 劳动合同法 art. 40 (三), 481号 art. 8: 3 full years x 40,000 at the actual wage, then from 2008
    # 18 years 6 months = N 19, capped at 12 x 3 x 12,307 = 443,052: 563,052.00, not 443,052.00.
    result = _run(
        kind="economic_compensation", local_average_monthly_wage="12307", ground="changed_circumstances", **BIG
    )
    assert result["amount"] == "563052.00"
    assert "劳动合同法第九十七条" in result["basis"] and "劳动合同法第四十条" in result["basis"]
    steps = "\n".join(result["steps"])
    assert "481号第八条" in steps and "120,000.00元" in steps and "443,052.00元" in steps
    assert result["claim_item"] == "请求支付解除劳动合同经济补偿563,052.00元"


def test_the_expiry_of_a_fixed_term_contract_counts_nothing_before_2008():
    result = _run(kind="economic_compensation", local_average_monthly_wage="12307", ground="expiry", **BIG)
    assert result["amount"] == "443052.00"
    assert any("期满终止" in s and "不计" in s for s in result["steps"])


def test_damages_count_from_the_start_and_never_carry_the_2008_note():
    # 实施条例 art. 25: 赔偿金 counts every year from the start of employment by art. 47 (N 22, capped at 12), x 2.
    result = _run(kind="unlawful_termination", local_average_monthly_wage="12307", **BIG)
    assert result["amount"] == "886104.00"
    shown = result["steps"] + result["assumptions"]
    assert not any("2008" in line or "481" in line for line in shown), shown
    assert "劳动合同法第九十七条" not in result["basis"]
    refused = pytest.raises(ValidationFailed)
    with refused:  # a ground means nothing for damages: refused, never silently ignored
        parse_query({"kind": "unlawful_termination", "ground": "expiry", **BIG})


def test_the_old_rules_own_limits_and_a_service_under_a_year():
    # 481号 art. 5: at most twelve months; a service under a year counts as a year. Art. 7 likewise capped at 12.
    long = _run(
        kind="economic_compensation",
        monthly_wage="5000",
        start_date="1990-01-01",
        end_date="2007-12-31",
        ground="mutual_agreement",
    )
    assert long["amount"] == "60000.00" and long["months"] == "12"  # 18 years, at most 12 months
    short = _run(
        kind="economic_compensation",
        monthly_wage="5000",
        start_date="2007-06-01",
        end_date="2008-03-31",
        ground="mutual_agreement",
    )
    # before 2008: 7 months counted as a year (5,000); from 2008: 3 months, half a month (2,500)
    assert short["amount"] == "7500.00"
    remainder = _run(
        kind="economic_compensation",
        monthly_wage="5000",
        start_date="2005-07-01",
        end_date="2008-06-30",
        ground="layoff",
    )
    # 481号 art. 9: 2 full years (10,000); the half year before 2008 counts nothing by the letter (said);
    # from 2008: 6 months, a year (5,000)
    assert remainder["amount"] == "15000.00"
    assert any("6 个月 0 天" in a and "5,000.00元" in a for a in remainder["assumptions"])


def test_the_ground_is_asked_when_the_service_began_before_2008():
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"kind": "economic_compensation", **BIG})
    assert [e.field for e in caught.value.errors] == ["ground"]
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"kind": "economic_compensation", "ground": "fired", **BIG})
    assert [e.field for e in caught.value.errors] == ["ground"]
    later = _run(kind="economic_compensation", monthly_wage="6000", start_date="2010-01-01", end_date="2012-12-31")
    assert later["amount"] == "18000.00"  # from 2008 on, the ground changes nothing


def test_the_double_wage_span_by_the_letter_and_the_practice():
    # 实施条例 art. 7: from the day after the first month to the day before the full year: 2024-02-01 to 2024-12-30,
    # 10 months 30 days (just under 11); many commissions count 11 months: both are shown.
    result = _run(kind="no_written_contract", monthly_wage="5000", start_date="2024-01-01", end_date="2025-06-30")
    assert result["months"] == "10.97" and result["amount"] == "54838.71"
    practice = next(a for a in result["assumptions"] if "做法不一" in a)
    assert "2024年2月1日 至 2024年12月30日" in practice and "10 个月 30 天" in practice
    assert "11 个月" in practice and "55,000.00元" in practice
    signed = _run(
        kind="no_written_contract",
        monthly_wage="5000",
        start_date="2024-03-01",
        end_date="2024-12-31",
        contract_signed_date="2024-07-01",
    )
    assert not any("做法不一" in a for a in signed["assumptions"])  # signed within the year: the span is exact


def test_a_missing_or_stale_figure_is_said_apart_from_the_assumptions():
    stale = Figure("f", "310000", "minimum_monthly_wage", Decimal("2690"), date(2023, 7, 1), "上海市人社局")
    local = LocalFigures(None, None, "上海市", stale_minimum=stale)
    result = _run(
        local, kind="economic_compensation", monthly_wage="2000", start_date="2024-01-01", end_date="2026-06-30"
    )
    assert result["amount"] == "6000.00"  # no floor applied: 2 years 6 months = N 3, x 2,000
    assert any("2,690.00元" in m and "2025年6月30日" in m for m in result["missing_figures"])
    assert any("三倍封顶" in m for m in result["missing_figures"])
    assert not any("三倍封顶" in a for a in result["assumptions"])


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
    assert any("三倍封顶" in m for m in result["missing_figures"])


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
