"""Waiting in tests for what a background task does, with a deadline."""

from __future__ import annotations

import asyncio


async def until(predicate, timeout: float = 10.0, what: str = "the condition"):
    for _ in range(int(timeout / 0.05)):
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
