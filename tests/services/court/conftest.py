"""Fixtures of the docking room's service tests: staff of the Pudong centre (clock, blobs, SMS: ../conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.app import make_staff
from tests.support.court import ADMIN, MEDIATOR, OTHER_MEDIATOR


@pytest.fixture
def staff(ctx: Any, io_loop: Any, cheap_hashing: Any) -> None:
    """The Pudong centre's administrator and two mediators."""

    async def make() -> None:
        for member in (ADMIN, MEDIATOR, OTHER_MEDIATOR):
            await make_staff(ctx, member.login, member.role, member.centre_id, member.name)

    io_loop.run_sync(make)
