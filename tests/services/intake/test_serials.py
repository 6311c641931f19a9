"""The day's serials: taken together by the submissions running at the same time, each its own, none past the
day's limit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.cases.serials import DAILY_LIMIT, make_serial
from services.core.errors import ServiceError
from services.intake.submission import next_serial


@pytest.mark.gen_test
async def test_serials_taken_at_the_same_time_are_consecutive_and_take_one_command(ctx, db_commands):
    now = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 2 March in Shanghai
    first = await next_serial(ctx, now)
    before = db_commands.count
    taken = await asyncio.gather(*(next_serial(ctx, now) for _ in range(20)))
    assert db_commands.count - before == 1  # one increment by 20
    day = datetime(2026, 3, 2).date()
    assert first == make_serial(day, 1)
    assert taken == [make_serial(day, n) for n in range(2, 22)]  # in the order they were asked
    late = datetime(2026, 3, 2, 17, tzinfo=UTC)  # already 3 March in Shanghai: a sequence of its own
    both = await asyncio.gather(next_serial(ctx, now), next_serial(ctx, late), next_serial(ctx, now))
    assert both == [make_serial(day, 22), make_serial(datetime(2026, 3, 3).date(), 1), make_serial(day, 23)]


@pytest.mark.gen_test
async def test_past_the_days_limit_a_submission_is_refused_not_given_a_serial(ctx):
    now = datetime(2026, 3, 2, 1, tzinfo=UTC)
    await ctx.db["counters"].insert_one({"_id": "serial:20260302", "seq": DAILY_LIMIT - 2})
    got = await asyncio.gather(*(next_serial(ctx, now) for _ in range(4)), return_exceptions=True)
    day = datetime(2026, 3, 2).date()
    assert got[:2] == [make_serial(day, DAILY_LIMIT - 1), make_serial(day, DAILY_LIMIT)]
    assert all(isinstance(e, ServiceError) and e.status == 503 and e.code == "serial_exhausted" for e in got[2:])
