"""Database commands counted exactly, in the manner of Zulip's assert_database_query_count: a block that sends
another number of commands than expected fails, listing each command it sent (its name and collection)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from pymongo import monitoring

from store import CommandCounter


class CommandLog(CommandCounter):
    """The tests' command counter: it counts as the store's does, and names each command while a check watches.

    The embedded engine adds to `count` itself (store/embedded.py, in the collection's method that sends the
    command); a real MongoDB reports each command to `started`, as PyMongo's command monitoring does."""

    def __init__(self) -> None:
        self.watching: list[str] | None = None
        self._count = 0
        super().__init__()

    @property
    def count(self) -> int:
        return self._count

    @count.setter
    def count(self, value: int) -> None:
        if self.watching is not None and value > self._count:
            method = sys._getframe(2)  # the embedded collection's method that counted (through the client's count())
            collection = getattr(method.f_locals.get("self"), "name", "")
            self.watching.append(f"{method.f_code.co_name} {collection}".strip())
        self._count = value

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.watching is not None:
            target = event.command.get(event.command_name)
            self.watching.append(f"{event.command_name} {target if isinstance(target, str) else ''}".strip())
        self._count += 1


@contextlib.contextmanager
def assert_database_commands(log: Any, expected: int) -> Iterator[list[str]]:
    """The block sends exactly `expected` database commands; otherwise it fails naming every one it sent."""
    sent: list[str] = []
    log.watching = sent
    try:
        yield sent
    finally:
        log.watching = None
    assert len(sent) == expected, f"{len(sent)} database commands, {expected} expected:\n  " + "\n  ".join(sent)
