"""Generated documents: one click renders a case into a .docx, keeps every version, and lets anyone verify it."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from docgen import KINDS, DocgenError, DocumentRenderer, RenderedDocument, sm3_hex
from i18n import DEFAULT_LOCALE, Words, msg, text
from platforms.pdf import PdfConverter, PdfUnavailable
from services.accounts import audit
from services.accounts.staff import StaffMember, sees_centre
from services.cases import access, centre_templates, ends, moves, service, signing, workflow
from services.cases.centre_rules import arbitration_commission, basic_court_of_region, case_region, rules_of
from services.cases.limitation import Limitation
from services.cases.performance import breached_terms
from services.cases.record import Case, delegated
from services.cases.views import requested_total
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import Conflict, DependencyDown, NotFound, ServiceError, ValidationFailed, field_error
from services.core.personal_data import unseal_party
from services.core.work_calendar import load_work_calendar
from services.directory import centres
from store.blobs import BlobStore

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMAGE_KINDS = ("agreement", "termination_notice", "failure_report")  # printed with signatures and (or) the seal
PARTNER = "partner"  # the addressee of a delegated case's report: its court or institute
# Whom a document is served on (services/cases/service.py): a notice addressed to a party on that party (each
# party's termination notice), the signed agreement on both; the parties' own applications (arbitration, payment
# order, the joint applications) are theirs to file, and a court's report goes through docking: none is served.
SERVED_ON: dict[str, tuple[str, ...]] = {"agreement": ("applicant", "respondent")}
log = logging.getLogger("mediation.documents")
WORDS = Words(DEFAULT_LOCALE)  # official documents are Chinese whatever the reader's language
MAX_VERIFY_BYTES = 25 * 1024 * 1024


class Renderers:
    """The document templates of every centre, checked once at start; rendering runs in worker processes.

    docxtpl is pure Python: rendered in threads it holds the GIL and starves the event loop (a
    burst of documents pushed /healthz past 250 ms), so renders go to a small process pool, each
    worker keeping its own compiled templates.
    """

    def __init__(self, folders_by_centre: dict[str, str], workers: int = 2) -> None:
        self._folder_of = dict(folders_by_centre)
        for folder in set(self._folder_of.values()) | {""}:
            DocumentRenderer(WORDS, folder or None)  # a template with a misspelt placeholder fails the start
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # lazily: most processes (and tests) never render
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
        return self._pool

    def configured(self, centre_id: str) -> str:
        """The centre's templates folder of config.yaml ("" for docgen's defaults)."""
        return self._folder_of.get(centre_id, "")

    async def render(
        self,
        centre_id: str,
        kind: str,
        case: dict[str, Any],
        document_id: str,
        verify_url: str,
        issued_at: Any,
        images: dict[str, bytes] | None = None,
        folder: str | None = None,
    ) -> RenderedDocument:
        """`folder`: the templates in use now (a centre's replacements, services/cases/centre_templates.py)."""
        folder = self._folder_of.get(centre_id, "") if folder is None else folder
        job = partial(_render_in_worker, folder, kind, case, document_id, verify_url, issued_at, images or {})
        return await asyncio.get_running_loop().run_in_executor(self._executor(), job)

    def close(self) -> None:
        """Stop the workers now (a render in progress is abandoned: its request is ending with the server)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            workers = list(getattr(pool, "_processes", {}).values())  # CPython's ProcessPoolExecutor
            pool.shutdown(wait=False, cancel_futures=True)
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.join(5)


_worker_renderers: dict[str, DocumentRenderer] = {}
WORKER_NICENESS = 10  # renders yield the CPU to the event loop, which answers people, on a small machine


def _lower_priority() -> None:
    os.nice(WORKER_NICENESS)


def _render_in_worker(
    folder: str,
    kind: str,
    case: dict[str, Any],
    document_id: str,
    verify_url: str,
    issued_at: Any,
    images: dict[str, bytes],
) -> RenderedDocument:
    """Runs in a worker process: compile the folder's templates once, then render."""
    renderer = _worker_renderers.get(folder)
    if renderer is None:
        renderer = _worker_renderers[folder] = DocumentRenderer(WORDS, folder or None)
    return renderer.render(
        kind, case, document_id=document_id, verify_url=verify_url, issued_at=issued_at, images=images
    )


async def confirmation_courts(ctx: ServiceContext, doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """The courts a judicial confirmation may go to (民事诉讼法 art. 205), each with its `key` (what a party chooses)
    and `basis`: the court that invited the mediation, for a court's delegation ((一)); else ((二)) the basic court
    of each party's domicile that the case knows by its region, and of the centre's seat. A subject matter's
    location (where a dispute has one) the parties write themselves."""
    docking = doc.get("docking") or {}
    if docking.get("partner_kind") == "court" and docking.get("partner_name"):
        return [{"key": "delegating", "name": str(docking["partner_name"]), "basis": "delegating"}]
    out = []
    for role in ("applicant", "respondent"):
        party = doc.get(role) or {}
        address = party.get("address")
        court = basic_court_of_region(str(address.get("region_code") or "")) if isinstance(address, Mapping) else ""
        if court:
            out.append({"key": role, "name": court, "basis": role, "party": str(party.get("name") or "")})
    centre_court = (await rules_of(ctx, doc["centre"]["id"])).basic_court
    if centre_court:
        out.append({"key": "centre", "name": centre_court, "basis": "centre"})
    return out


def chosen_court(courts: list[dict[str, str]], key: str) -> dict[str, str] | None:
    """The court a party chose by its key (422 naming `court` for one not open to the case); a court's delegation
    has only the delegating court, chosen without asking."""
    if not key:
        return courts[0] if len(courts) == 1 and courts[0]["key"] == "delegating" else None
    found = next((court for court in courts if court["key"] == key), None)
    if found is None:
        raise ValidationFailed([field_error("court", "not_allowed", "error.not_allowed.confirmation_court")])
    return found


async def evidence_rows(ctx: ServiceContext, file_ids: list[str]) -> list[dict[str, Any]]:
    """The evidence as documents list it: each file's name, where it came from and what it proves (调解仲裁法
    art. 28 (三)), as the party said at upload or the mediator corrected (docgen prints 不详 where nobody did)."""
    if not file_ids:
        return []
    files = await ctx.db["files"].find({"_id": {"$in": file_ids}}, {"name": 1, "source": 1, "proves": 1}).to_list(None)
    by_id = {f["_id"]: f for f in files}
    unnamed = text("document.evidence.unnamed")
    return [
        {
            "id": i,
            "name": by_id.get(i, {}).get("name") or unnamed,
            "source": by_id.get(i, {}).get("source") or "",
            "purpose": by_id.get(i, {}).get("proves") or "",
        }
        for i in file_ids
    ]


def _example(value: str, example: bool) -> str:
    return text("document.example_value", value=value) if example and value else value


async def export_case(
    ctx: ServiceContext, doc: dict[str, Any], kind: str = "", addressee: str = "", court: str = ""
) -> dict[str, Any]:
    """The case as documents (and `python -m docgen`) read it: the stored shape, personal numbers in clear; for a
    notice, whom it is addressed to (`addressee`: applicant or respondent) and the facts of its next right. `court`:
    the key of the court a judicial confirmation goes to (`confirmation_courts`)."""
    private = (
        "timeline",
        "notifications",
        "documents",
        "_id",
        "respondent_access",
        "agreement",
        "agreement_voided",
        "service",  # the service records: the case file's, not a document's (service_consent stays: the addresses)
    )
    case = {k: v for k, v in doc.items() if k not in private}
    case["serial"] = doc["_id"]
    case["applicant"] = unseal_party(ctx.cipher, doc["applicant"], "applicant")
    case["respondent"] = unseal_party(ctx.cipher, doc["respondent"], "respondent")
    centre = (await centres.directory(ctx)).get(doc["centre"]["id"])
    example = bool(centre and centre.demo)  # the demo's contact, marked as an example on paper too
    case["centre"] = {
        "id": doc["centre"]["id"],
        "name": doc["centre"]["name"],
        "address": _example(centre.address, example) if centre else "",
        "phone": _example(centre.phone, example) if centre else "",
        "basic_court": (await rules_of(ctx, doc["centre"]["id"])).basic_court,
    }
    case["arbitration_commission"] = await arbitration_commission(ctx, doc)
    case["debtor_court"] = basic_court_of_region(case_region(doc)) if doc["kind"] == "worker" else ""
    calendar = await load_work_calendar(ctx)
    facts = ends.case_limitation(doc, calendar)
    case["limitation"] = facts.as_dict()
    case["notice"] = notice_facts(doc, addressee or "applicant", facts)
    if delegated(doc):
        docking = doc["docking"]
        case["delegation"] = {
            "partner": docking.get("partner_name", ""),
            "partner_kind": docking.get("partner_kind", "court"),
            "case_no": docking.get("partner_case_no", ""),
            "type": docking.get("type", ""),
            "delegated_at": docking.get("delegated_at"),
            "accepted_at": docking.get("accepted_at"),
        }
    breach = breached_terms(doc, for_payment_order=kind == "payment_order")
    if breach:
        case["breach"] = {"date": shanghai_iso(ctx.clock())[:10], "terms": breach}
    case.pop("performance", None)
    case["evidence"] = await evidence_rows(ctx, list(doc.get("evidence") or []))
    if kind == "judicial_confirmation":
        case["court_choices"] = await confirmation_courts(ctx, doc)
        picked = chosen_court(case["court_choices"], court)
        if picked is not None:
            case["confirmation_court"] = picked
    return case


def notice_facts(doc: dict[str, Any], role: str, facts: Limitation) -> dict[str, Any]:
    """What a termination notice to `role` says of the end and the next right (docgen's `notice`): the applicant's
    safe last day and why (services/cases/limitation.py); nothing of the other party's own situation."""
    right = ends.next_right(doc, role, facts)
    own = role == "applicant" and right.arbitrate

    def day(value: Any) -> str:
        return value.isoformat() if value else ""

    return {
        "addressee": role,
        "end": ends.end_of(doc),
        "arbitrate": right.arbitrate,
        "last_day": day(right.last_day),
        "restart_day": day(facts.ends) if own else "",
        "received": day(facts.interrupted_on),
        "ran_out_before": own and facts.ran_out_before,
        "before": day(facts.ends_without_mediation) if own and facts.ran_out_before else "",
        "wages_exception": own and facts.wages_exception,
        "returns": right.returns,
        "answer_due": (doc.get("respondent_access") or {}).get("answer_due") or "",
    }


@dataclass(frozen=True)
class Issued:
    id: str
    kind: str
    title: str
    version: int
    sm3: str
    size: int
    issued_at: str


def kinds() -> dict[str, str]:
    """The documents one click can make, with their titles."""
    return {kind: WORDS.title(kind) for kind in KINDS}


@dataclass(frozen=True)
class Papers:
    """Where documents are made and kept: the renderers and the encrypted blob store."""

    renderers: Renderers
    blobs: BlobStore


async def _issue(
    ctx: ServiceContext,
    papers: Papers,
    doc: dict[str, Any],
    kind: str,
    actor: moves.Actor,
    channel: str,
    addressee: str = "",
    document_id: str = "",
    papers_done: bool = False,
    to: Iterable[str] = (),
    court: str = "",
) -> Issued:
    """Render a document of the case, store it encrypted as a new version, record it in the timeline.

    `addressee`: the party (or the partner) a document is addressed to: only they, and staff, see it. `document_id`:
    the id an end gave it beforehand (services/cases/ends.py); `papers_done`: the last paper an end owed, whose
    write also clears `end_papers_due`; `to`: the parties it is served on (services/cases/service.py: its record for
    each, and the message announcing it, in the same write)."""
    serial = doc["_id"]
    case = await export_case(ctx, doc, kind, addressee if addressee != PARTNER else "", court)
    now = ctx.clock()
    title = WORDS.title(kind)
    document_id = document_id or uuid.uuid4().hex
    verify_url = f"{ctx.settings.public_base_url}/verify/{document_id}"
    images = await signing.images(ctx, papers.blobs, doc) if kind in IMAGE_KINDS else {}
    try:
        centre_id = doc["centre"]["id"]
        folder = await centre_templates.current_folder(
            ctx, papers.blobs, centre_id, papers.renderers.configured(centre_id)
        )
        rendered = await papers.renderers.render(centre_id, kind, case, document_id, verify_url, now, images, folder)
    except DocgenError as exc:
        refusal = msg("error.document_refused", reason={DEFAULT_LOCALE: exc.message, "en": exc.message_en})
        raise ServiceError(409, exc.code, refusal, "kind") from exc
    blob_id = await papers.blobs.put(io.BytesIO(rendered.data))
    reference = {"id": document_id, "kind": kind, "issued_at": now, "issued_by": f"{actor[0]}:{actor[1]}"}
    served, announced = service.document_service(doc, document_id, kind, title, to, now)
    versions = f"{kind}_{addressee}" if addressee else kind  # each party's notice has versions of its own
    if addressee:
        reference["addressee"] = addressee
    updated = await moves.record_event(
        ctx,
        serial,
        "document",
        actor,
        channel,
        doc["status"],
        when={"documents.id": {"$ne": document_id}},  # an id given beforehand is issued once
        inc_fields={f"document_versions.{versions}": 1},
        push_fields={"documents": reference},
        set_fields=(dict(served) | ({"end_papers_due": False} if papers_done else {})) or None,
        notify=announced or None,
        note=title + (f"（{text(f'label.party.{addressee}')}）" if addressee in ends.PARTIES else ""),
        projection={"document_versions": 1},
    )
    if updated is None:
        await papers.blobs.delete(blob_id)
        raise Conflict("document_issued", field="kind")
    version = updated["document_versions"][versions]
    record = {
        "_id": document_id,
        "serial": serial,
        "kind": kind,
        "title": title,
        "version": version,
        "sm3": rendered.sm3_hex,
        "size": len(rendered.data),
        "blob_id": blob_id,
        "issued_at": now,
        "issued_by": reference["issued_by"],
        "filename": f"{serial}-{title}-{_addressed(addressee)}v{version}.docx",
    }
    if addressee:
        record["addressee"] = addressee
    await ctx.db["documents"].insert_one(record)
    return Issued(document_id, kind, title, version, rendered.sm3_hex, len(rendered.data), shanghai_iso(now))


def _addressed(addressee: str) -> str:
    """The addressee in a file name ("申请人-"), "" for a document of the case."""
    return f"{text(f'label.party.{addressee}')}-" if addressee in ends.PARTIES else ""


async def generate(
    ctx: ServiceContext,
    renderers: Renderers,
    blobs: BlobStore,
    member: StaffMember,
    serial: str,
    kind: str,
    serve: bool = False,
    court: str = "",
) -> Issued:
    """Render, store encrypted as a new version (older ones are kept), record it in the case's timeline; `serve`:
    and serve it on the parties of its kind (SERVED_ON: a corrected notice, a new copy of the agreement). `court`: a
    judicial confirmation's court as the parties chose it (`confirmation_courts`)."""
    doc = await access.for_staff(ctx, member, serial)
    if kind not in KINDS:
        raise NotFound("document_kind_unknown")
    addressee = STAFF_ADDRESSEES.get(kind, "")  # made again by staff: the applicant's notice, the court's report
    to = served_on(kind, addressee) if serve else ()
    return await _issue(
        ctx, Papers(renderers, blobs), doc, kind, ("staff", member.login), "backoffice", addressee, to=to, court=court
    )


STAFF_ADDRESSEES = {"termination_notice": "applicant", "failure_report": PARTNER}


def served_on(kind: str, addressee: str) -> tuple[str, ...]:
    """The parties a document is served on when it is issued to be served (SERVED_ON)."""
    return (addressee,) if addressee in ends.PARTIES else SERVED_ON.get(kind, ())


# What a party makes with one tap, and when: the documents of their next step.
PARTY_KINDS = {
    "applicant": ("arbitration", "payment_order", "judicial_confirmation", "arbitral_review", "agreement"),
    "respondent": ("judicial_confirmation", "arbitral_review", "agreement"),
}


async def issue_for_party(
    ctx: ServiceContext,
    papers: Papers,
    person_id: str,
    serial: str,
    kind: str,
    channel: str,
    role: str | None = None,
    court: str = "",
) -> Issued:
    """One tap: a party makes the document of a route open to them (the arbitration application after an end
    or a breach, the payment order, the judicial confirmation, the arbitral review, the signed agreement).
    `role`: the party whose route it came through (the other party finds no case there). `court`: the court a
    judicial confirmation goes to, among `confirmation_courts` (民事诉讼法 art. 205)."""
    doc, role = await access.for_party(ctx, person_id, serial, role=role)
    if kind not in PARTY_KINDS[role]:
        raise NotFound("document_kind_unknown")
    if kind in ("arbitration", "payment_order") and not _route_open(doc, kind):
        raise Conflict("route_not_open", field="kind")
    own = role if kind in OWN_KINDS else ""  # the applicant's own application; the joint ones are the case's
    return await _issue(ctx, papers, doc, kind, (role, person_id), channel, own, court=court)


OWN_KINDS = ("arbitration", "payment_order")


def _route_open(doc: dict[str, Any], kind: str) -> bool:
    """Arbitration: after an end without agreement (a withdrawal included: it bars nothing, 调解仲裁法 art. 5) where
    arbitration is the next right (a delegated case only where the dispute was not arbitrated), or a breach; a
    payment order: after a breach of pay."""
    ended = doc["status"] in (workflow.FAILED, workflow.REJECTED, workflow.WITHDRAWN)
    if kind == "arbitration" and ended and ends.arbitration_open(doc):
        return True
    return bool(breached_terms(doc, for_payment_order=kind == "payment_order"))


async def sign_agreement(
    ctx: ServiceContext, papers: Papers, signer: signing.Signer, serial: str, body: dict[str, Any], channel: str
) -> dict[str, Any]:
    """A signature (services/cases/signing.py); when it is the last, the signed agreement is rendered at once with
    every signature and the seal in place, and offered to both parties among the case's documents."""
    view = await signing.sign(ctx, papers.blobs, signer, serial, body, channel)
    if view.get("status") == workflow.SETTLED:
        doc = await ctx.db["cases"].find_one({"_id": serial})
        try:
            await _issue(ctx, papers, doc, "agreement", ("system", "settle"), "system", to=SERVED_ON["agreement"])
        except Exception:  # noqa: BLE001 (the agreement stands; either party can make it again with one tap)
            log.exception("case %s: the signed agreement could not be issued", serial)
    return view


async def current_document(
    ctx: ServiceContext, papers: Papers, serial: str, kind: str, since: Any = None
) -> DocumentFile:
    """The newest `kind` document of a case issued at or after `since`; none yet (the render after the last signature
    failed, an application never made): issued now by the system. For what goes to a court (services/court/)."""
    query: dict[str, Any] = {"serial": serial, "kind": kind} | ({"issued_at": {"$gte": since}} if since else {})
    found = await ctx.db["documents"].find(query).sort("issued_at", -1).limit(1).to_list(1)
    if not found:
        doc = await ctx.db["cases"].find_one({"_id": serial})
        if doc is None:
            raise NotFound("case_not_found")
        issued = await _issue(ctx, papers, doc, kind, ("system", "docking"), "system", STAFF_ADDRESSEES.get(kind, ""))
        found = [await ctx.db["documents"].find_one({"_id": issued.id})]
    return await _file(papers.blobs, found[0])


async def refuse_signing(
    ctx: ServiceContext, papers: Papers, signer: signing.Signer, serial: str, body: dict[str, Any], channel: str
) -> Case:
    """A party refuses to sign: the case ends as failed, and each party receives the end's papers."""
    doc = await signing.refuse(ctx, signer, serial, body, channel)
    await issue_end_papers(ctx, papers, serial)
    return doc


def owed_papers(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """The papers an end owes (`outcome.papers`, written with the end: services/cases/ends.py) not yet issued."""
    issued = {r.get("id") for r in doc.get("documents") or []}
    return [p for p in (doc.get("outcome") or {}).get("papers") or [] if p["id"] not in issued]


async def issue_end_papers(ctx: ServiceContext, papers: Papers, serial: str) -> list[Issued]:
    """Every end speaks: the papers an end without agreement owes, each under the id the end gave it: each party's
    termination notice, the applicant's arbitration application, a delegated case's report to its court. The end
    is already recorded: a paper that fails is logged and left owed (`end_papers_due` stays), and the deadline
    watch tries it again (`issue_owed_papers`); the last one clears the flag in its own write."""
    doc = await ctx.db["cases"].find_one({"_id": serial})
    if doc is None:
        return []
    owed = owed_papers(doc)
    issued: list[Issued] = []
    failed = False
    for i, paper in enumerate(owed):
        last = i == len(owed) - 1
        try:
            addressee = paper.get("to", "")
            issued.append(
                await _issue(
                    ctx,
                    papers,
                    doc,
                    paper["kind"],
                    ("system", "end"),
                    "system",
                    addressee,
                    paper["id"],
                    papers_done=last and not failed,
                    to=served_on(paper["kind"], addressee),
                )
            )
        except Exception:  # noqa: BLE001 (the move stands; the watch issues it again)
            failed = True
            log.exception("case %s: the %s could not be issued after its end", serial, paper["kind"])
    return issued


async def issue_owed_papers(ctx: ServiceContext, papers: Papers, limit: int = 50) -> int:
    """One pass of the deadline watch: the papers ends still owe (an end the watch wrote itself, a silence; a render
    that failed), issued now. Returns how many were issued."""
    found = await ctx.db["cases"].find({"end_papers_due": True}, {"_id": 1}).limit(limit).to_list(limit)
    count = 0
    for doc in found:
        count += len(await issue_end_papers(ctx, papers, doc["_id"]))
    return count


def _listed(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["_id"],
        "kind": record["kind"],
        "title": record["title"],
        "version": record["version"],
        "sm3": record["sm3"],
        "size": record["size"],
        "issued_at": shanghai_iso(record["issued_at"]),
    }


def seen_by(role: str) -> dict[str, Any]:
    """The documents a party sees: those of the case, and those addressed to them (their own notice); never the other
    party's notice nor the report to the court. Staff see every document (role "")."""
    return {} if not role else {"addressee": {"$in": [None, "", role]}}


async def case_documents(
    ctx: ServiceContext, serial: str, doc: dict[str, Any] | None = None, role: str = ""
) -> list[dict[str, Any]]:
    """Every version of every document of a case `role` sees, newest first (the caller has checked access); for a
    party's reading (`doc` read with its `service`, `role`), each with its service on that party (None: not served
    on them; services/cases/service.py)."""
    records = await ctx.db["documents"].find({"serial": serial, **seen_by(role)}).sort("issued_at", -1).to_list(None)
    if doc is None or not role:
        return [_listed(r) for r in records]
    return [_listed(r) | {"service": service.document_state(doc, r["_id"], role)} for r in records]


async def documents_for_party(ctx: ServiceContext, person_id: str, serial: str) -> list[dict[str, Any]]:
    """The documents of a case of which the person is a party (those they see), each with its service on them;
    someone else's case is not found."""
    doc, role = await access.for_party(ctx, person_id, serial, {"service": 1, "service_consent": 1})
    return await case_documents(ctx, serial, doc, role)


async def documents_for_staff(ctx: ServiceContext, member: StaffMember, serial: str) -> list[dict[str, Any]]:
    await access.for_staff(ctx, member, serial, {"_id": 1})
    return await case_documents(ctx, serial)


@dataclass
class DocumentFile:
    filename: str
    content_type: str
    data: bytes
    document_id: str = ""


async def document_for_party(
    ctx: ServiceContext, blobs: BlobStore, person_id: str, serial: str, document_id: str
) -> DocumentFile:
    """A document of a case of which the person is a party. When it was served on them, their first download is
    its record's (services/cases/service.py: a read by the addressee; staff downloads never count)."""
    record = await ctx.db["documents"].find_one({"_id": document_id, "serial": serial})
    served = {f"service.{moves.service_key(document_id, role)}": 1 for role in service.PARTIES}
    party = await ctx.db["cases"].find_one(
        {"_id": serial, "$or": [{"owner_person_id": person_id}, {"respondent_access.person_id": person_id}]},
        {"owner_person_id": 1, **served},
    )
    role = "applicant" if party and party.get("owner_person_id") == person_id else "respondent"
    if record is None or party is None or record.get("addressee") not in (None, "", role):
        raise NotFound("document_not_found")  # another party's notice is not theirs to read
    file = await _file(blobs, record)
    await service.mark_downloaded(ctx, party, document_id, role)
    return file


async def document_for_staff(
    ctx: ServiceContext, blobs: BlobStore, member: StaffMember, document_id: str
) -> DocumentFile:
    """A document of a case of the member's centre; every download is in the audit trail."""
    record = await ctx.db["documents"].find_one({"_id": document_id})
    doc = await ctx.db["cases"].find_one({"_id": record["serial"]}, {"centre": 1}) if record else None
    if record is None or doc is None or not await sees_centre(ctx, member, doc["centre"]["id"]):
        raise NotFound("document_not_found")
    file = await _file(blobs, record)
    # A document shows the parties' numbers in clear: recorded like a reveal, before the file leaves.
    await audit.record(
        ctx,
        member,
        "document_download",
        record["serial"],
        document_id=document_id,
        kind=record["kind"],
        version=record["version"],
    )
    return file


async def as_pdf(ctx: ServiceContext, blobs: BlobStore, converter: PdfConverter, file: DocumentFile) -> DocumentFile:
    """The PDF copy of a document (LibreOffice, where installed); 503 when none can be made now.

    Made once and kept with its SM3 fingerprint, so every download is the same file and /verify knows it as
    the system's own copy (a conversion stamps its own time: two would differ byte for byte)."""
    name = file.filename.removesuffix(".docx") + ".pdf"
    record = await ctx.db["documents"].find_one({"_id": file.document_id}, {"pdf": 1})
    if record is not None and record.get("pdf"):
        return DocumentFile(name, "application/pdf", await blobs.read(record["pdf"]["blob_id"]), file.document_id)
    try:
        data = await converter.convert(file.data)
    except PdfUnavailable as exc:
        raise DependencyDown(exc.reason) from exc
    blob_id = await blobs.put(io.BytesIO(data))
    kept = await ctx.db["documents"].update_one(
        {"_id": file.document_id, "pdf": {"$exists": False}},
        {"$set": {"pdf": {"blob_id": blob_id, "sm3": sm3_hex(data), "size": len(data), "made_at": ctx.clock()}}},
    )
    if kept.modified_count == 0:  # another request made it first: serve theirs, so there is only one copy
        await blobs.delete(blob_id)
        return await as_pdf(ctx, blobs, converter, file)
    return DocumentFile(name, "application/pdf", data, file.document_id)


async def _file(blobs: BlobStore, record: dict[str, Any]) -> DocumentFile:
    data = await blobs.read(record["blob_id"])
    return DocumentFile(record["filename"], DOCX_TYPE, data, record["_id"])


async def verification(ctx: ServiceContext, document_id: str) -> dict[str, Any]:
    """What the public verification page shows: the kind, the case serial, the date, the fingerprint."""
    record = await ctx.db["documents"].find_one({"_id": document_id}) if len(document_id) == 32 else None
    if record is None:
        raise NotFound("document_not_found", msg("error.document_not_found.verify"))
    return {
        "id": record["_id"],
        "title": record["title"],
        "serial": record["serial"],
        "version": record["version"],
        "issued_date": shanghai_iso(record["issued_at"])[:10],
        "sm3": record["sm3"],
    }


async def verify_upload(ctx: ServiceContext, document_id: str, data: bytes) -> dict[str, Any]:
    """Whether an uploaded file is, byte for byte, the document issued under this id or the PDF copy the system
    made of it; any other file (a PDF printed elsewhere, a modified one) is not an original."""
    shown = await verification(ctx, document_id)
    if not data:
        raise ServiceError(422, "file_required", msg("error.file_required.verify"), "file")
    if len(data) > MAX_VERIFY_BYTES:
        raise ServiceError(413, "file_too_large", msg("error.file_too_large.verify"), "file")
    uploaded = sm3_hex(data)
    record = await ctx.db["documents"].find_one({"_id": document_id}, {"pdf.sm3": 1}) or {}
    copies = {shown["sm3"]: "docx", (record.get("pdf") or {}).get("sm3"): "pdf"}
    return shown | {"uploaded_sm3": uploaded, "matches": uploaded in copies, "which": copies.get(uploaded, "")}


async def summary_for_party(ctx: ServiceContext, person_id: str, serial: str, document_id: str) -> dict[str, Any]:
    """What an official document (always Chinese) says, for a party who reads another language: its kind and
    purpose, the case, the parties, the claims and the outcome; the Chinese document itself stays the original."""
    doc, role = await access.for_party(ctx, person_id, serial)
    record = await ctx.db["documents"].find_one({"_id": document_id, "serial": serial, **seen_by(role)})
    if record is None:
        raise NotFound("document_not_found")
    outcome = doc.get("outcome") or {}
    agreement = (doc.get("agreement") or {}).get("terms") or outcome.get("terms") or []
    return {
        "id": record["_id"],
        "kind": record["kind"],
        "version": record["version"],
        "issued_at": shanghai_iso(record["issued_at"]),
        "serial": serial,
        "role": role,
        "status": doc["status"],
        "centre": doc["centre"]["name"],
        "applicant": str((doc.get("applicant") or {}).get("name") or ""),
        "respondent": str((doc.get("respondent") or {}).get("name") or ""),
        "requests": [i.get("text", "") for i in (doc.get("clarified") or {}).get("items", [])]
        or [line for line in str((doc.get("claim") or {}).get("requests") or "").splitlines() if line.strip()],
        "amount": requested_total(doc, confirmed_only=False),  # the sum of the requests listed
        "closure_reason": outcome.get("closure_reason", ""),
        "terms": [{"text": t.get("text", ""), "due": t.get("due", "")} for t in agreement if isinstance(t, dict)],
    }
