"""Fixtures of the case room's service tests: a test clock, blobs, the SMS stand-in, staff, a case in a status."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.accounts.staff import StaffMember
from services.cases import documents, handling
from services.cases.documents import Renderers
from services.core.context import utc_now
from services.intake.submission import submit_application
from services.notify.sender import NotificationSender
from standins.sms import RecordingSms
from store.blobs import BlobKeys, LocalBlobStore
from tests.parties import upload_seal
from tests.samples import employer_body, worker_body

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


@pytest.fixture
def clock(ctx: Any) -> Clock:
    ctx.clock = Clock()
    return ctx.clock


@pytest.fixture
def blobs(ctx: Any, tmp_path: Any) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "case-blobs", BlobKeys(ctx.settings.data_keys, ctx.settings.current_key_version))


@pytest.fixture
def sms() -> RecordingSms:
    return RecordingSms()


@pytest.fixture
def sender(ctx: Any, sms: RecordingSms) -> NotificationSender:
    """The background sender with SMS only (no WeChat here): what it sends, the stand-in records."""
    return NotificationSender(ctx, None, None, sms=sms)


@pytest.fixture
def papers(blobs: LocalBlobStore) -> Any:
    renderers = Renderers({}, workers=1)
    yield documents.Papers(renderers, blobs)
    renderers.close()


@pytest.fixture
def sealed(ctx: Any, blobs: LocalBlobStore, io_loop: Any) -> None:
    """The city centre's seal, uploaded by its administrator."""
    io_loop.run_sync(lambda: upload_seal(ctx, blobs, ADMIN))


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
