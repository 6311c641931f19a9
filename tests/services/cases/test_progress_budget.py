"""The progress check's per-serial budget counts wrong answers only and never shuts out the applicant."""

from __future__ import annotations

import pytest

from services.cases.progress import check_progress
from services.core.errors import ServiceError
from services.core.ratelimit import ClientRateLimiter
from services.intake.submission import submit_application
from tests.support.samples import worker_body


async def _case(ctx) -> str:
    body = worker_body() | {"evidence": []}
    case, _ = await submit_application(ctx, "person-progress", "key-progress-budget", body, "mp")
    return case["serial"]


async def _status(ctx, limiter, client, serial, digits) -> int:
    try:
        await check_progress(ctx, limiter, client, serial, digits)
    except ServiceError as exc:
        return exc.status
    return 200


@pytest.mark.gen_test
async def test_twenty_wrong_guesses_from_twenty_addresses_do_not_block_the_owner(ctx):
    serial = await _case(ctx)
    limiter = ClientRateLimiter(10)
    right = "5678"  # the sample applicant's phone ends so
    assert await _status(ctx, limiter, "198.51.100.1", serial, right) == 200  # right answers cost nothing
    wrong = [await _status(ctx, limiter, f"203.0.113.{i}", serial, "0000") for i in range(21)]
    assert wrong[:20] == [404] * 20 and wrong[20] == 429  # the budget of wrong answers is spent
    for _ in range(3):
        assert await _status(ctx, limiter, "198.51.100.1", serial, right) == 200  # the owner still gets through
    assert await _status(ctx, limiter, "203.0.113.20", serial, right) == 429  # a guesser past the budget does not
    assert await _status(ctx, limiter, "198.51.100.2", serial, "1111") == 429  # nor does a new wrong answer
