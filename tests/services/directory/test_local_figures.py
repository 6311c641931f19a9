"""Local wage figures: the one in force on a day, of the most specific region that has one; bad input refused."""

from __future__ import annotations

from datetime import date

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
