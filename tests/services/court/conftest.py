"""Fixtures of the docking room's service tests: a clock, blobs, the SMS stand-in, staff of the Pudong centre."""

from __future__ import annotations

from typing import Any

import pytest

from services.accounts.staff import StaffMember
from tests.conftest import make_staff
from tests.services.cases.conftest import Clock, blobs, papers, sealed, sms  # noqa: F401  # the same fixtures

ADMIN = StaffMember("pd.admin", "浦东主任", "centre_admin", "sh-pudong")
MEDIATOR = StaffMember("pd.mediator", "王调解", "mediator", "sh-pudong")
OTHER_MEDIATOR = StaffMember("pd.other", "赵调解", "mediator", "sh-pudong")


@pytest.fixture
def clock(ctx: Any) -> Clock:
    ctx.clock = Clock()
    return ctx.clock


@pytest.fixture
def staff(ctx: Any, io_loop: Any, cheap_hashing: Any) -> None:
    """The Pudong centre's administrator and two mediators."""

    async def make() -> None:
        for member in (ADMIN, MEDIATOR, OTHER_MEDIATOR):
            await make_staff(ctx, member.login, member.role, member.centre_id, member.name)

    io_loop.run_sync(make)
