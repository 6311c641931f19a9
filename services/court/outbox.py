"""Our events delivered to courts and arbitration institutes: the partner's side of the case outbox.

The case writer puts a partner's event into the case's `notifications` with the move (services/cases/outbox.py
`partner_notice`); the background sender (services/notify/sender.py) claims it like any notification and hands it
here. We build the body (the event's facts, its `event_id`, and what is too large to keep in the case: the signed
agreement as a .docx, the materials returned, the application document), sign it and POST it to the partner:

- a 2xx acknowledges it: recorded `sent`, never sent again;
- no answer, a 5xx, 408 or 429: the partner is down: this event waits with the sender's back-off, and the partner's
  other events wait `down_pause_seconds` before anyone tries again (no hammering a system that is down);
- another 4xx: the partner refused what we sent (a key being rotated, a clock out of step, a path it moved): the
  event waits with the sender's back-off, its words on the case page, and goes out once the cause is mended; a
  refusal is not a delivery, so it is never dropped.
A partner's event is never given up for age: it waits (the case page says 待推送) until the partner takes it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from typing import Any

from docgen import sm3_hex
from i18n import text
from platforms.court import CourtClient, PartnerUnavailable
from services.cases import documents
from services.cases.outbox import FAILED, PENDING, SENT
from services.core.context import ServiceContext, shanghai_iso
from services.core.personal_data import unseal_party
from services.court import partners
from services.notify.sender import Outcome
from store.blobs import BlobNotFound

CHANNEL = "docking"


def _file(name: str, content_type: str, data: bytes) -> dict[str, Any]:
    """A file in a body: base64, with the SM3 fingerprint /verify shows for our documents."""
    return {
        "name": name,
        "content_type": content_type,
        "sm3": sm3_hex(data),
        "content_base64": base64.b64encode(data).decode(),
    }


class PartnerOutbox:
    """Delivers partner events for the sender (one per process, attached at start)."""

    def __init__(self, ctx: ServiceContext, client: CourtClient, papers: documents.Papers) -> None:
        self.ctx = ctx
        self.client = client
        self.papers = papers
        self._down_until: dict[str, float] = {}  # partner id -> loop time before which we do not try it
        self.stats = {"sent": 0, "down": 0, "refused": 0}

    def _paused(self, partner_id: str) -> bool:
        return asyncio.get_running_loop().time() < self._down_until.get(partner_id, 0.0)

    async def deliver(self, case_id: str, notification: dict[str, Any]) -> Outcome:
        to = notification.get("to") or {}
        partner = partners.get(self.ctx, str(to.get("partner_id") or ""))
        if partner is None:
            return Outcome(FAILED, error=text("docking.outbox.partner_gone", partner=str(to.get("partner_id"))))
        if self._paused(partner.id):
            return Outcome(PENDING, error=text("docking.outbox.partner_down", partner=partner.name))
        body = await self.body(case_id, notification)
        try:
            answer = await self.client.post(partner.callback_base + str(to.get("endpoint")), partner.key, body)
        except PartnerUnavailable as exc:
            self.stats["down"] += 1
            self._down_until[partner.id] = (
                asyncio.get_running_loop().time() + self.ctx.settings.docking.down_pause_seconds
            )
            return Outcome(PENDING, error=text("docking.outbox.partner_down", partner=partner.name) + f"（{exc}）")
        if answer.ok:
            self.stats["sent"] += 1
            self._down_until.pop(partner.id, None)
            return Outcome(SENT, CHANNEL, msgid=notification.get("id"))
        self.stats["refused"] += 1
        return Outcome(
            PENDING, CHANNEL, error=text("docking.outbox.refused", partner=partner.name, problem=answer.problem())
        )

    async def body(self, case_id: str, notification: Mapping[str, Any]) -> dict[str, Any]:
        """What the partner receives: the event's facts, its id, and the files it names."""
        event = dict(notification.get("event") or {})
        if (notification.get("to") or {}).get("endpoint") == "judicial-confirmations":
            return await self._application(case_id, event)
        body = {"event_id": notification["id"], **event}
        if event.get("type") in ("closed", "filed") and event.get("outcome", "settled") == "settled":
            body["agreement"] = await self._agreement(case_id)
        if event.get("materials_returned"):
            body["materials"] = await self._materials(case_id)
        if event.get("type") == "closed" and event.get("report"):
            body["report_document"] = await self._report(case_id)
        return body

    async def _report(self, serial: str) -> dict[str, Any]:
        """The art. 21 report as the document the mediator signed (法释〔2021〕23号 art. 21), issued first if the end
        still owes it (services/cases/documents.py)."""
        await documents.issue_end_papers(self.ctx, self.papers, serial)
        file = await documents.current_document(self.ctx, self.papers, serial, "failure_report")
        return _file(file.filename, file.content_type, file.data)

    async def _agreement(self, serial: str) -> dict[str, Any]:
        doc = await self.ctx.db["cases"].find_one({"_id": serial}, {"outcome": 1})
        effective = (((doc or {}).get("outcome") or {}).get("agreement") or {}).get("effective_at")
        file = await documents.current_document(self.ctx, self.papers, serial, "agreement", since=effective)
        return _file(file.filename, file.content_type, file.data) | {"effective_at": shanghai_iso(effective)}

    async def _materials(self, serial: str) -> list[dict[str, Any]]:
        """The delegation's documents, as the partner sent them (checked copies), going back (art. 15)."""
        doc = await self.ctx.db["cases"].find_one({"_id": serial}, {"docking.documents": 1})
        ids = ((doc or {}).get("docking") or {}).get("documents") or []
        out = []
        for record in await self.ctx.db["files"].find({"_id": {"$in": ids}}).to_list(None):
            try:
                data = await self.papers.blobs.read(record["blob_id"])
            except BlobNotFound:
                continue
            out.append(_file(record["name"], record["content_type"], data))
        return out

    async def _application(self, serial: str, event: dict[str, Any]) -> dict[str, Any]:
        """A joint application (docs/contracts.md#we-call-the-partner: id, serial, court, parties, agreement,
        application, attachments)."""
        doc = await self.ctx.db["cases"].find_one({"_id": serial})
        assert doc is not None
        kind = event["type"]
        parties = []
        for role in ("applicant", "respondent"):
            clear = unseal_party(self.ctx.cipher, doc[role], role)
            access = doc.get(f"{role}_access") or {}
            applied = ((doc.get("confirmations") or {}).get(kind) or {}).get("applications", {}).get(role) or {}
            address = clear.get("address")
            if isinstance(address, Mapping):
                address = f"{address.get('region_name') or ''}{address.get('detail') or ''}"
            shown = (
                "name",
                "id_type",
                "id_number",
                "phone",
                "uscc",
                "legal_representative_name",
                "legal_representative_title",
                "contact_name",
                "contact_phone",
            )
            parties.append(
                {
                    "role": role,
                    **{k: clear[k] for k in shown if clear.get(k)},
                    "address": address or "",
                    "proved_by": access.get("claimed_by") or ("owner" if role == "applicant" else ""),
                    "applied_at": shanghai_iso(applied.get("at")),
                    "applied_channel": applied.get("channel", ""),
                }
            )
        agreement = await self._agreement(serial)
        application = await documents.current_document(self.ctx, self.papers, serial, kind)
        return {
            **event,
            "parties": parties,
            "agreement": agreement,
            "application": _file(application.filename, application.content_type, application.data)
            | {"applied_at": event.get("applied_at")},
            "attachments": await self._signatures(doc) + await self._authorities(doc),
        }

    async def _signatures(self, doc: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Each signature of the agreement with the identity it was given under (the signed-in person, the time, the
        identity proof) and, for an organisation, the person who signed for it, in what capacity, and its seal."""
        out = []
        for signature in (((doc.get("outcome") or {}).get("agreement")) or {}).get("signatures") or []:
            try:
                image = await self.papers.blobs.read(signature["blob_id"])
                seal = await self.papers.blobs.read(signature["seal_blob_id"]) if signature.get("seal_blob_id") else b""
            except BlobNotFound:
                continue
            facts = {
                "role": signature["role"],
                "signed_by": signature.get("name", ""),
                "identity": signature.get("identity", ""),
                "signed_at": shanghai_iso(signature.get("at")),
            } | {k: signature[k] for k in ("signatory", "capacity", "proof") if signature.get(k)}
            out.append(_file(f"signature-{signature['role']}.png", "image/png", image) | facts)
            if seal:
                out.append(_file(f"seal-{signature['role']}.png", "image/png", seal) | facts | {"kind": "seal"})
        return out

    async def _authorities(self, doc: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The written authorisation of an agent who signed for an organisation party, as the mediator saw it
        (法释〔2011〕5号 art. 3 by analogy: an application by an agent is filed with it)."""
        out = []
        for role, authority in (doc.get("authorities") or {}).items():
            record = await self.ctx.db["files"].find_one({"_id": authority.get("file_id")})
            try:
                data = await self.papers.blobs.read(record["blob_id"]) if record else b""
            except BlobNotFound:
                continue
            if data and record:
                facts = {"role": role, "kind": "authority", "agent_name": authority.get("agent_name", "")}
                out.append(_file(record["name"], record.get("content_type", ""), data) | facts)
        return out
