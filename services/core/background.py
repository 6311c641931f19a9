"""Work a process does by itself every so often (deadline watch, staff messages, docking's queues): one loop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any


class Periodic:
    """Runs `run_pass` every `interval` seconds in the background, sooner after `wake()`. A pass that fails (a
    database hiccup, a bug) is logged and the next one comes: the work is never given up."""

    def __init__(self, name: str, interval_seconds: float, log: logging.Logger) -> None:
        self.name, self.interval, self.log = name, interval_seconds, log
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def run_pass(self) -> Any:
        """One pass; what it did (a count or counts by kind), logged when there was any."""
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                done = await self.run_pass()
                if any(done.values()) if isinstance(done, dict) else done:
                    self.log.info("%s: %s", self.name, done)
            except Exception:  # keep working, say it
                self.log.exception("%s pass failed", self.name)
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
