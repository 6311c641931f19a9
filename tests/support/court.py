"""Helpers of the docking tests: a delegation body as a court sends it, a small real PDF, the roster confirmed, the
parties' invitations of a delegated case proved with the codes the SMS stand-in kept, the Pudong centre's staff, a
delegated case accepted and settled, the partners file of the HTTP tests."""

from __future__ import annotations

import base64
import copy
import io
import uuid
from pathlib import Path
from typing import Any

import yaml

from services.accounts.staff import StaffMember
from services.cases import respondent, signing
from services.court import delegations, roster
from standins.court_platform import SAMPLE_PARTIES
from tests.support.parties import draft, due_in, signature_body
from tests.support.samples import make_resident_id

COURT = "sh-pudong-court"
ARBITRATION = "sh-pudong-arbitration"
CENTRE = "sh-pudong"  # region 310115 routes here
WORKER = make_resident_id("310115", "19920815", "031")  # a man born in 1992


def pdf_bytes(size: int = 2048) -> bytes:
    """A real one-page PDF, padded with a comment to about `size` bytes (scanned pages make the real ones large)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    padding = max(0, size - out.tell() - 200)
    out.write(b"%" + b"x" * padding + b"\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


BODY: dict[str, Any] = {
    "partner_case_no": "(2026)沪0115民诉前调1234号",
    "type": "pre_filing",
    "delegated_at": "2026-12-01T09:00:00+08:00",
    "region_code": "310115",
    "parties": copy.deepcopy(SAMPLE_PARTIES),  # the stand-in's own sample: a worker and a company
    "dispute": {
        "cause": "追索劳动报酬纠纷",
        "summary": "申请人2024年3月入职，被申请人自2026年8月起未支付工资。",
        "claims": "支付2026年8月至10月工资12000元",
        "amount": "12000.00",
    },
    "documents": [],
    "consent_to_mediation": True,
    "contact": {"name": "陈法官助理", "phone": "021-50000000"},
}


def delegation_body(case_no: str = "", pdf_size: int = 0, **changes: Any) -> dict[str, Any]:
    """A delegation (a fresh copy): its own case number unless given; a PDF of `pdf_size` bytes when asked."""
    body = copy.deepcopy(BODY)
    body["partner_case_no"] = case_no or f"(2026)沪0115民诉前调{uuid.uuid4().int % 100000}号"
    if pdf_size:
        body["documents"] = [
            {
                "name": "起诉状.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf_bytes(pdf_size)).decode(),
            }
        ]
    body.update(changes)
    return body


async def confirm_on_roster(ctx: Any, login: str, centre_id: str = CENTRE, partner_id: str = COURT) -> str:
    """A mediator confirmed on the partner's special-invite roster (as the partner's decision would make it), with
    the fields the back office's roster page shows (roster.propose writes them all)."""
    entry_id = uuid.uuid4().hex
    partner = ctx.settings.docking.partner(partner_id)
    await ctx.db[roster.ROSTER].insert_one(
        {
            "_id": entry_id,
            "partner_id": partner_id,
            "subject": "mediator",
            "centre_id": centre_id,
            "login": login,
            "fields": {"name": login, "type": "mediator", "inviting_court": partner.name},
            "state": "confirmed",
            "proposed_at": ctx.clock(),
            "decision": None,
            "history": [],
        }
    )
    return entry_id


async def invitation_links(ctx: Any, serial: str) -> dict[str, str]:
    """The invitation link each party's SMS carries (from the case's outbox), by role."""
    doc = await ctx.db["cases"].find_one({"_id": serial}, {"notifications": 1})
    return {n["to"]["type"]: n["link"] for n in doc["notifications"] if n["kind"] == "delegated_invite"}


async def claim(ctx: Any, sms: Any, serial: str, role: str) -> str:
    """Prove a party's invitation with the code the SMS stand-in kept; the person it makes the party."""
    token = (await invitation_links(ctx, serial))[role].rsplit("/", 1)[1]
    await respondent.send_code(ctx, sms, serial, token, role)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    code = sms.last_code(respondent._phone(ctx, doc, role), respondent.CODE_PURPOSE)
    return await respondent.claim(ctx, serial, token, code, None, "h5", role)


ADMIN = StaffMember("pd.admin", "浦东主任", "centre_admin", "sh-pudong")


MEDIATOR = StaffMember("pd.mediator", "王调解", "mediator", "sh-pudong")


OTHER_MEDIATOR = StaffMember("pd.other", "赵调解", "mediator", "sh-pudong")


async def accepted(ctx, blobs, sms):
    receipt, _ = await delegations.create(ctx, blobs, ctx.settings.docking.partner(COURT), delegation_body())
    serial = receipt["serial"]
    await confirm_on_roster(ctx, MEDIATOR.login)
    await delegations.accept(ctx, ADMIN, serial, MEDIATOR.login)
    applicant = await claim(ctx, sms, serial, "applicant")
    respondent_person = await claim(ctx, sms, serial, "respondent")
    return serial, applicant, respondent_person


async def delegations_settle(ctx, blobs, sms, serial, applicant):
    """Settle a delegated case whose parties proved their invitations: draft, then the three signatures."""
    await draft(ctx, MEDIATOR, serial, due_in(ctx, 10))
    doc = await ctx.db["cases"].find_one({"_id": serial})
    image = signature_body()  # the company signs through its legal representative
    await signing.sign(ctx, blobs, signing.Signer("", doc["respondent_access"]["person_id"], "h5"), serial, image, "h5")
    await signing.sign(
        ctx, blobs, signing.Signer("mediator", MEDIATOR.login, "office", MEDIATOR), serial, image, "backoffice"
    )
    return await signing.sign(ctx, blobs, signing.Signer("", applicant, "h5"), serial, image, "h5")


SELF_ID = "sh-labour-mediation"  # config.yaml docking.self_id


def partners_file(tmp_path: Path, court: Any, institute: Any) -> str:
    """The partners config.yaml names, their callbacks at the stand-ins."""
    path = tmp_path / "partners.yaml"
    path.write_text(
        yaml.safe_dump(
            [
                {
                    "id": COURT,
                    "kind": "court",
                    "name": "上海市浦东新区人民法院",
                    "court_code": "沪0115",
                    "callback_base": court.callback_base,
                    "answer_working_days": 5,
                    "mediation_days": 30,
                    "extension_cap_days": 30,
                },
                {
                    "id": ARBITRATION,
                    "kind": "arbitration",
                    "name": "上海市浦东新区劳动人事争议仲裁委员会",
                    "callback_base": institute.callback_base,
                    "extension_cap_days": None,
                },
            ],
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return str(path)
