"""Fixtures of the service tests (the case room's and the docking room's): a test clock, blobs, the SMS stand-in, the
background sender, the document renderers, the city centre's seal."""

from __future__ import annotations

from typing import Any

import pytest

from services.cases import documents
from services.cases.documents import Renderers
from services.notify.sender import NotificationSender
from standins.sms import RecordingSms
from store.blobs import BlobKeys, LocalBlobStore
from tests.support.cases import ADMIN, Clock
from tests.support.parties import upload_seal


@pytest.fixture
def clock(ctx: Any) -> Clock:
    return Clock.on(ctx)  # the service's clock and the real one, moved together


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
