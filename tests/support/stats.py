"""A known history of cases for the statistics tests, on a clock that starts in January 2026."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.accounts.persons import person_for_identity
from services.accounts.staff import SYSTEM_ADMIN, StaffMember
from services.cases import clarification, handling
from services.cases.taxonomy import Taxonomies
from services.intake.submission import submit_application
from standins.sms import RecordingSms
from store.blobs import BlobKeys, LocalBlobStore
from tests.support.app import OA_APP_ID, make_staff
from tests.support.cases import Clock
from tests.support.parties import settle_by_signing, upload_seal
from tests.support.samples import ended_on, with_street, worker_body

ROOT = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "sh-city")


async def seeded_history(ctx: Any, tmp_path: Any) -> dict[str, str]:
    """A known history: January, two cases in the city (one settled for 12000 of 12000 claimed by the last of
    three signatures, one still open, pay causes) and one in Pudong (declined); February, the open one fails (the
    parties too far apart) and a new one is accepted."""
    clock = Clock.on(ctx, datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    await make_staff(ctx, "root", SYSTEM_ADMIN)
    blobs = LocalBlobStore(tmp_path / "blobs", BlobKeys(ctx.settings.data_keys, ctx.settings.current_key_version))
    await upload_seal(ctx, blobs, ROOT, "sh-city")
    taxonomies = Taxonomies.load(ctx.settings.centres)
    serials, persons = {}, {}
    for name, street in (("settled", "科苑路88号"), ("open", "科苑路88号"), ("pudong", "浦东新区川沙新镇")):
        person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-{name}")
        body = ended_on(worker_body())  # employment ended before this January
        body["evidence"] = []
        with_street(body["respondent"], street)  # the city's by the credit code's region, or Pudong's by the text
        case, _ = await submit_application(ctx, person, f"key-stats-{name}", body, "mp")
        serials[name], persons[name] = case["serial"], person
        clock.advance(hours=1)
    items = [{"cause_code": "05-01", "text": "支付工资", "amount": "12000"}]
    for name in ("settled", "open"):
        await clarification.push_clarified(ctx, taxonomies, ROOT, serials[name], items)
        await clarification.answer_clarified(
            ctx, persons[name], serials[name], {"decision": "confirm", "version": 1}, "mp"
        )
        clock.advance(hours=1)
    for name in ("settled", "open"):
        await handling.decide(ctx, ROOT, serials[name], "accept", {})
    await handling.decide(ctx, ROOT, serials["pudong"], "decline", {"reason": "不属于受理范围"})
    clock.advance(days=3)
    signed = await settle_by_signing(ctx, blobs, RecordingSms(), ROOT, serials["settled"], persons["settled"])
    assert signed["status"] == "settled"
    clock.advance(days=30)  # February
    await handling.decide(
        ctx, ROOT, serials["open"], "fail", {"closure_reason": "too_far_apart", "reason": "双方分歧过大"}
    )
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-february")
    body = ended_on(worker_body())
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, "key-stats-february", body, "h5")
    serials["february"] = case["serial"]
    await handling.decide(ctx, ROOT, serials["february"], "accept", {})
    return serials
