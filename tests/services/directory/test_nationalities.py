"""Nationalities as lists offer them: China first, then the most chosen, then by pinyin; Hong Kong, Macao and Taiwan
are not nationalities; a Chinese party costs no count."""

from __future__ import annotations

import pytest

from services.directory import nationalities
from tests.support.queries import assert_database_commands


def test_china_first_then_pinyin_and_no_part_of_china() -> None:
    codes = nationalities.by_pinyin()
    assert codes[0] == "CHN" and not {"HKG", "MAC", "TWN"} & set(codes)
    assert nationalities.ordered({})[:3] == list(codes[:3])
    assert nationalities.ordered({"USA": 2, "KOR": 5})[:3] == ["CHN", "KOR", "USA"]


@pytest.mark.gen_test
async def test_the_most_chosen_come_after_china_and_china_is_not_counted(ctx, db_commands) -> None:
    nationalities.forget_ranking()
    with assert_database_commands(db_commands, 0):  # nothing to count: no command
        await nationalities.count_chosen(ctx, ["CHN", "CHN", None, "HKG"])
    await nationalities.count_chosen(ctx, ["KOR", "CHN"])
    await nationalities.count_chosen(ctx, ["KOR", "VNM"])
    stored = await ctx.db[nationalities.CHOICES].find_one({"_id": "nationality"})
    assert stored["counts"] == {"KOR": 2, "VNM": 1}
    nationalities.forget_ranking()
    assert (await nationalities.ranked(ctx))[:3] == ["CHN", "KOR", "VNM"]
    nationalities.forget_ranking()
