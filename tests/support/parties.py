"""Helpers for tests of the second party and the end of a case: a seal, drawn signatures, the invitation's link,
a case taken through invitation, answer and signatures by the services themselves."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw

from services.cases import handling, respondent, signing
from services.cases.record import Case
from services.core.context import SHANGHAI

SMS_CODE_PURPOSE = respondent.CODE_PURPOSE


def seal_png() -> bytes:
    """A round red seal on a transparent ground, as centres scan theirs."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 230, 230), outline=(200, 0, 0, 255), width=12)
    draw.regular_polygon((120, 120, 50), 5, fill=(200, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def signature_data_url(stroke: int = 0) -> str:
    """A drawn signature as signature_pad gives it: a PNG data URL (a different stroke per signer)."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150 - stroke * 10), (200, 40), (360, 160), (560, 60 + stroke * 10)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def signature_body(version: int = 1, stroke: int = 0) -> dict[str, Any]:
    """A signature as the fronts post it. The company party signs through its legal representative (民法典 art. 61:
    services/cases/signing.py asks an organisation's signer for a capacity); a worker's or the mediator's signature
    carries no capacity, and one given is not read."""
    return {"version": version, "image": signature_data_url(stroke), "capacity": "legal_representative"}


async def upload_seal(ctx: Any, blobs: Any, member: Any, centre_id: str = "sh-city") -> None:
    await signing.upload_seal(ctx, blobs, member, centre_id, seal_png())


async def invitation_link(ctx: Any, serial: str) -> str:
    """The path the respondent's invitation SMS carries (from the case's outbox)."""
    doc = await ctx.db["cases"].find_one({"_id": serial}, {"notifications": 1})
    return next(n["link"] for n in doc["notifications"] if n["kind"] == "invite")


async def claim_invitation(ctx: Any, sms: Any, serial: str, person_id: str | None = None) -> str:
    """Prove the invitation with the code sent to the respondent's phone (the SMS stand-in keeps it)."""
    token = (await invitation_link(ctx, serial)).rsplit("/", 1)[1]
    await respondent.send_code(ctx, sms, serial, token)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    phone = respondent._phone(ctx, doc)
    code = sms.last_code(phone, SMS_CODE_PURPOSE)
    return await respondent.claim(ctx, serial, token, code, person_id, "h5")


def due_in(ctx: Any, days: int) -> str:
    return (ctx.clock() + timedelta(days=days)).astimezone(SHANGHAI).date().isoformat()


async def draft(ctx: Any, member: Any, serial: str, due: str, category: str = "wages") -> Case:
    form = {"copies": "3", "waivers": "双方就本案再无其他争议", "without_session": "电话调解，双方达成一致"}
    rows = [
        {
            "text": "被申请人支付申请人2026年8月至10月工资",
            "amount": "12000",
            "due_date": due,
            "method": "银行转账",
            "category": category,
        }
    ]
    return await handling.decide(ctx, member, serial, "draft_agreement", form, rows)


async def settle_by_signing(ctx: Any, blobs: Any, sms: Any, member: Any, serial: str, applicant: str) -> dict[str, Any]:
    """Take an accepted case to `settled` the lawful way: `member` drafts the agreement (12,000 due in ten days),
    the respondent proves the invitation, and the respondent, the mediator (`member`) and the applicant sign; the
    last signature settles it. Returns the agreement view of the last signature."""
    await draft(ctx, member, serial, due_in(ctx, 10))
    respondent_person = await claim_invitation(ctx, sms, serial)
    image = signature_body()
    respondent_signer = signing.Signer("", respondent_person, f"h5:{respondent_person}")
    await signing.sign(ctx, blobs, respondent_signer, serial, image, "h5")
    await signing.sign(
        ctx,
        blobs,
        signing.Signer("mediator", member.login, f"office:{member.login}", member),
        serial,
        image,
        "backoffice",
    )
    return await signing.sign(ctx, blobs, signing.Signer("", applicant, f"h5:{applicant}"), serial, image, "h5")


def ten_in_the_morning(ctx: Any) -> str:
    """Run the service's clock as if it were 10:00 in Shanghai today (and going on from there), so that a session
    scheduled at 11:00 is today's (a session opens on its day); returns today's date, YYYY-MM-DD."""
    from services.core.context import utc_now

    now = utc_now()
    ten = now.astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    offset = ten - now
    ctx.clock = lambda: utc_now() + offset
    return ten.date().isoformat()
