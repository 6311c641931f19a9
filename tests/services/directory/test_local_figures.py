"""Local wage figures: the one in force on a day, of the most specific region that has one; bad input refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.core.errors import ValidationFailed
from services.directory import local_figures


@pytest.mark.gen_test
async def test_the_figure_in_force_is_the_newest_of_the_most_specific_region(ctx):
    save = local_figures.save_figure
    await save(
        ctx,
        {
            "region_code": "310000",
            "kind": "minimum_monthly_wage",
            "amount": "2590",
            "applies_from": "2021-07-01",
            "source": "a",
        },
        "t",
    )
    await save(
        ctx,
        {
            "region_code": "310000",
            "kind": "minimum_monthly_wage",
            "amount": "2690",
            "applies_from": "2023-07-01",
            "source": "b",
        },
        "t",
    )
    await save(
        ctx,
        {
            "region_code": "310115",
            "kind": "minimum_monthly_wage",
            "amount": "2700",
            "applies_from": "2024-01-01",
            "source": "c",
        },
        "t",
    )
    found = await local_figures.figure_in_force(ctx, "minimum_monthly_wage", "310104", date(2023, 6, 30))
    assert str(found.amount) == "2590.00"
    found = await local_figures.figure_in_force(ctx, "minimum_monthly_wage", "310104", date(2024, 3, 1))
    assert str(found.amount) == "2690.00" and found.source == "b"
    pudong = await local_figures.figure_in_force(ctx, "minimum_monthly_wage", "310115103", date(2024, 3, 1))
    assert str(pudong.amount) == "2700.00"  # the district's own, below the city's
    assert await local_figures.figure_in_force(ctx, "average_monthly_wage", "310104", date(2024, 3, 1)) is None
    assert await local_figures.figure_in_force(ctx, "minimum_monthly_wage", "310104", date(2020, 1, 1)) is None
    again = await save(
        ctx,
        {
            "region_code": "310000",
            "kind": "minimum_monthly_wage",
            "amount": "2695",
            "applies_from": "2023-07-01",
            "source": "corrected",
        },
        "t",
    )
    assert len(await local_figures.all_figures(ctx)) == 3 and str(again.amount) == "2695.00"  # the same day replaced


def test_bad_figures_name_every_field():
    with pytest.raises(ValidationFailed) as caught:
        local_figures.check_figure(
            {"region_code": "999999", "kind": "salary", "amount": "-5", "applies_from": "soon", "source": ""}
        )
    assert {e.field for e in caught.value.errors} == {"region_code", "kind", "amount", "applies_from", "source"}


def test_a_figure_too_old_to_be_still_in_force_is_not_used():
    # 最低工资规定 art. 10: a minimum wage is adjusted at least every two years; an average wage is the previous
    # year's (劳动合同法 art. 47), published yearly: past its horizon a newer one is missing, the old one not in force.
    minimum = local_figures.Figure("m", "310000", "minimum_monthly_wage", Decimal("2690"), date(2023, 7, 1), "s")
    average = local_figures.Figure("a", "310000", "average_monthly_wage", Decimal("12307"), date(2024, 6, 1), "s")
    assert local_figures.good_until(minimum) == date(2025, 6, 30)
    assert local_figures.good_until(average) == date(2025, 8, 31)
    figures = [minimum, average]
    assert local_figures.in_force(figures, "minimum_monthly_wage", "310104", date(2025, 6, 30)) == minimum
    assert local_figures.in_force(figures, "minimum_monthly_wage", "310104", date(2025, 7, 1)) is None
    assert local_figures.newest(figures, "minimum_monthly_wage", "310104", date(2026, 12, 7)) == minimum
    assert local_figures.in_force(figures, "average_monthly_wage", "310104", date(2025, 9, 1)) is None


def test_every_shipped_figure_is_checked_and_names_where_and_when_it_was_read():
    shipped = local_figures.shipped_figures()
    assert shipped  # the places with figures are listed in data/local_figures.yaml
    for doc in shipped:
        assert doc["read_on"] in doc["source"] and ("http" in doc["source"] or "号" in doc["source"]), doc


def test_a_shipped_figure_without_its_reading_is_refused(tmp_path):
    bad = tmp_path / "figures.yaml"
    bad.write_text(
        'figures:\n  - {region_code: "310000", kind: minimum_monthly_wage, amount: "1", applies_from: "2020-01-01",'
        ' source: "somewhere"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError):
        local_figures.shipped_figures(bad)


@pytest.mark.gen_test
async def test_the_shipped_figures_come_once_and_a_removal_stays(ctx):
    count = len(local_figures.shipped_figures())
    assert await local_figures.seed(ctx) == count
    assert await local_figures.seed(ctx) == 0  # once
    figures = await local_figures.all_figures(ctx)
    assert len(figures) == count
    await local_figures.remove_figure(ctx, figures[0].id)
    assert await local_figures.seed(ctx) == 0  # an administrator's removal is not undone at the next start
    assert len(await local_figures.all_figures(ctx)) == count - 1
