"""Clients of outside platforms (card, SMS, LibreOffice, later the court), apart from the rules that use them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, TypeVarTuple

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


class RunBlocking(Protocol):
    """Runs a blocking call in the thread pool and gives its result (`ServiceContext.run_blocking`)."""

    def __call__(self, func: Callable[[*_Args], _T], /, *args: *_Args) -> Awaitable[_T]: ...
