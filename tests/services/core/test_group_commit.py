"""Group commit: callers running at the same time share one write, each with its own result or fault."""

from __future__ import annotations

import asyncio

import pytest

from services.core.group_commit import GroupCommit


@pytest.mark.gen_test
async def test_callers_at_the_same_time_share_one_write_each_with_its_own_result():
    writes: list[list[int]] = []

    async def write(items: list[int]) -> list[int | Exception]:
        writes.append(items)
        return [ValueError(f"odd {n}") if n % 2 else n * 10 for n in items]

    group: GroupCommit[int, int] = GroupCommit(write)
    got = await asyncio.gather(*(group(n) for n in range(6)), return_exceptions=True)
    assert writes == [[0, 1, 2, 3, 4, 5]]  # one write, in the order the callers came
    assert got[0::2] == [0, 20, 40]
    assert [str(e) for e in got[1::2]] == ["odd 1", "odd 3", "odd 5"]  # raised to its caller alone
    assert await group(8) == 80 and writes[-1] == [8]  # later: a group of its own


@pytest.mark.gen_test
async def test_a_failed_write_fails_each_caller_of_its_group_and_no_other():
    failing = True

    async def write(items: list[str]) -> list[str | Exception]:
        if failing:
            raise ConnectionError("the database is down")
        return [f"{item} written" for item in items]

    group: GroupCommit[str, str] = GroupCommit(write)
    got = await asyncio.gather(group("a"), group("b"), return_exceptions=True)
    assert [type(e) for e in got] == [ConnectionError, ConnectionError]
    failing = False
    assert await asyncio.gather(group("c"), group("d")) == ["c written", "d written"]


@pytest.mark.gen_test
async def test_a_group_writes_in_a_context_of_its_own_waiting_for_the_disk_unless_every_caller_may_not():
    """Not the first caller's context variables (a request's id); its writes return before the disk has them only
    when every caller's may (requests that wait before answering), not when one caller is a background job."""
    from handlers.base import REQUEST_ID
    from store import defer_durability, durability_deferred

    seen: list[tuple[str, bool]] = []

    async def write(items: list[str]) -> list[str | Exception]:
        seen.append((REQUEST_ID.get("none"), durability_deferred()))
        return [*items]

    group: GroupCommit[str, str] = GroupCommit(write)

    async def request(name: str) -> str:
        REQUEST_ID.set(name)
        defer_durability(True)
        return await group(name)

    async def job(name: str) -> str:
        defer_durability(False)
        return await group(name)

    await asyncio.gather(request("req-a"), request("req-b"))
    await asyncio.gather(request("req-c"), job("job-d"))
    assert seen == [("none", True), ("none", False)]


@pytest.mark.gen_test
async def test_a_write_that_gives_too_few_results_fails_its_callers_and_leaves_none_waiting():
    async def write(items: list[int]) -> list[int | Exception]:
        return [*items[:-1]]

    group: GroupCommit[int, int] = GroupCommit(write)
    got = await asyncio.wait_for(asyncio.gather(group(1), group(2), return_exceptions=True), timeout=5)
    assert [type(e) for e in got] == [RuntimeError, RuntimeError]
    assert group.writing is None and not group.items
