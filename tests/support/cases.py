"""The case room's service tests: the city centre's staff, a test clock, a case submitted or accepted."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from services.accounts.staff import StaffMember
from services.cases import handling
from services.core.context import utc_now
from services.intake.submission import submit_application
from tests.support.samples import employer_body, worker_body

MEDIATOR = StaffMember("li.ming", "李明", "mediator", "sh-city")


ADMIN = StaffMember("zhu.ren", "主任", "centre_admin", "sh-city")


class Clock:
    """A clock a test moves; on whole milliseconds, as BSON keeps them."""

    def __init__(self, start: datetime | None = None) -> None:
        now = start or utc_now()
        self.now = now.replace(microsecond=now.microsecond // 1000 * 1000)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    @classmethod
    def on(cls, ctx: Any, start: datetime | None = None) -> Clock:
        """A clock put under `ctx` as both its clocks (services/core/context.py: the service's and the real one, as
        if the whole world's time moved): from `start`, or from where the context's clock is. A test of the split
        between the two sets one of them itself (tests/services/core/test_demo_clock.py)."""
        clock = cls(start or ctx.clock())
        ctx.clock = ctx.real_clock = clock
        return clock


async def new_case(ctx: Any, kind: str = "worker", person: str = "", **respondent: Any) -> tuple[str, str]:
    """A submitted case of a new applicant (no evidence); `respondent` fields replace the sample's."""
    body = worker_body() if kind == "worker" else employer_body()
    body["evidence"] = []
    body["respondent"].update(respondent)
    person = person or f"person-{uuid.uuid4().hex[:8]}"
    case, _ = await submit_application(ctx, person, f"key-{uuid.uuid4().hex[:12]}", body, "h5")
    return case["serial"], person


async def accepted_case(ctx: Any, kind: str = "worker", **respondent: Any) -> tuple[str, str]:
    serial, person = await new_case(ctx, kind, **respondent)
    await handling.decide(ctx, MEDIATOR, serial, "accept", {})
    return serial, person
