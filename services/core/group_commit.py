"""Group commit: the same small write asked for by requests running at the same time, done once for all of them.

Under load, several submissions reach the same write in one turn of the event loop (the day's serial, the counters
of a centre's month). Each caller hands its item to a `GroupCommit` and waits; the first starts a task that lets the
loop turn a few times (GATHERING_TURNS), while the callers already under way join, and then calls `write(items)` once
with all of them.
Each caller gets its own result (an exception given as a result is raised to its caller alone), or the fault of the
write that held its item, as its own write would have given:
nothing is answered before it is written, so what a caller acknowledges after waiting is as durable as before.
Alone (no load) a caller's item is written by itself, a few turns of the loop later (microseconds).

A group is kept per service context (`ServiceContext.caches`, per process and per store), built by `group_of`.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from services.core.context import ServiceContext
from store import defer_durability, durability_deferred

# Turns of the event loop a group waits for its callers after its task starts, before it is written. A request needs
# about three from its bytes read to its handler (Tornado's reading, the handler's preparing): with three, the
# requests read together write together. Measured at 32 clients (bench/bench_intake.py): the task's start alone
# gathers 7 submissions, three turns more 13 (six or ten more, no more); alone, a turn costs microseconds.
GATHERING_TURNS = 3

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write: Callable[[list[Item]], Awaitable[Sequence[Result | Exception]]]) -> None:
        self.write = write  # the items in the order they came -> their results in the same order
        self.items: list[Item] = []
        self.waiting: list[asyncio.Future[Result]] = []
        self.deferred: list[bool] = []  # whether each caller's writes may return before the disk has them
        self.writing: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.items.append(item)
        self.waiting.append(done)
        self.deferred.append(durability_deferred())
        if self.writing is None:
            # In a context of its own: not the first caller's (its request id, its deferred durability).
            self.writing = asyncio.get_running_loop().create_task(self._write_all(), context=contextvars.Context())
        return await done

    async def _write_all(self) -> None:
        try:
            while self.items:  # what came while a write was under way is the next group
                for _ in range(GATHERING_TURNS):
                    await asyncio.sleep(0)
                items, waiting, deferred = self.items, self.waiting, self.deferred
                self.items, self.waiting, self.deferred = [], [], []
                # The group's writes return before the disk has them only if every caller's may (a request waits
                # before it answers); a caller that is not a request (a background job) waits at the write.
                defer_durability(all(deferred))
                try:
                    results = list(await self.write(items))
                    if len(results) != len(items):
                        raise RuntimeError(f"a group write gave {len(results)} results for {len(items)} items")
                except BaseException as exc:  # each caller of the group gets the fault of its write
                    for done in waiting:
                        if not done.done():
                            done.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise  # cancelled, or the process stops: the callers still waiting get it below
                    continue
                for done, result in zip(waiting, results, strict=True):
                    if done.done():
                        continue
                    if isinstance(result, Exception):
                        done.set_exception(result)
                    else:
                        done.set_result(result)
        finally:
            self.writing = None
            for done in self.waiting:  # callers who came during a write that ended the task: never left waiting
                if not done.done():
                    done.set_exception(RuntimeError("the group's writer stopped before their write"))
            self.items, self.waiting, self.deferred = [], [], []


def group_of(
    ctx: ServiceContext,
    name: str,
    write: Callable[[ServiceContext, list[Item]], Awaitable[Sequence[Result | Exception]]],
) -> GroupCommit[Item, Result]:
    """The context's group `name`, writing with `write(ctx, items)` (made at its first use). A copy of the context
    (dataclasses.replace: other hooks, another clock) shares its caches but has groups of its own."""
    key = f"group_commit.{name}.{id(ctx)}"  # the group holds its context: the id stays its own
    group: Any = ctx.caches.get(key)
    if group is None:
        group = ctx.caches[key] = GroupCommit(lambda items: write(ctx, items))
    return group  # type: ignore[no-any-return]
