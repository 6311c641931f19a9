"""The case document as a type, and its one constructor.

A case is one document of the `cases` collection, written only by services/cases/moves.py. These TypedDicts say
what it holds: the fields a new case always has (`new_case`), and those the moves add later (total=False: a
document read with a projection holds only what it asked for). Parts whose shape belongs to another room (a
party as the intake validated it, a delegation's documents) stay open mappings.

`new_case` builds every new case, the applicant's submission (services/intake/submission.py) and a partner's
delegation (services/court/delegations.py) alike: one schema version, the same required fields, the first
timeline event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, NotRequired, Required, TypedDict

from services.cases import workflow
from services.core.context import ServiceContext
from services.core.personal_data import seal_party
from services.directory.employers import employer_key, employer_of
from services.directory.persons import id_hashes

SCHEMA_VERSION = 1  # the case document's shape; raised with a migration when a stored field changes meaning
Kind = Literal["worker", "employer"]
# How a case comes into being: the first event of its timeline, and the status it starts in.
CREATIONS: dict[str, str] = {"submit": workflow.SUBMITTED, "delegate": workflow.DELEGATED}


class ActorRef(TypedDict):
    type: str  # applicant, respondent, staff, partner, system
    id: str


class TimelineEvent(TypedDict):
    """One entry of the timeline: who did what, when, through which channel, and the status after it."""

    at: datetime
    actor: ActorRef
    action: str  # a move of workflow.MOVES, `submit`/`delegate`, or another event (`event.<action>`)
    channel: str
    status: str
    note: NotRequired[str]
    data: NotRequired[dict[str, Any]]  # facts the statistics count (a transfer's centres, the mediator)


class Recipient(TypedDict, total=False):
    type: Required[str]  # applicant, respondent, partner, staff (services/cases/outbox.py)
    person_id: str | None
    phone_field: str
    partner_id: str
    endpoint: str
    login: str


class Delivery(TypedDict):
    """A notification's delivery, as written (due at once) and then kept by services/notify/sender.py."""

    created_at: datetime
    state: str  # pending, claimed, sent, failed
    attempts: int
    next_attempt_at: datetime
    channel: str | None
    last_error: str | None
    sent_at: datetime | None


class Notification(Delivery, total=False):
    """One message in the case's outbox (services/cases/outbox.py), delivered by services/notify/sender.py."""

    id: Required[str]
    kind: Required[str]
    to: Required[dict[str, Any]]  # a Recipient
    title: Required[str]
    lines: Required[dict[str, str]]
    link: Required[str]
    event: dict[str, Any]  # a partner's event: the facts it is told (services/court/events.py)
    serves: str  # a party's: the key of the service record its delivery serves (`service`, moves.service_fields)
    # The sender's: its claim while delivering, and what came back.
    claim: str | None
    claimed_until: datetime | None
    msgid: Any
    failed_at: datetime


class SealedNumber(TypedDict):
    """A personal number as kept (services/core/personal_data.py): key version, ciphertext, and how it is shown."""

    kv: int
    ct: str
    masked: str


# A party as the intake validated it (services/intake/validation.py), its personal numbers sealed: a worker's or
# an employer's fields, open.
Party = dict[str, Any]


class CentreRef(TypedDict):
    id: str
    name: str


class Routing(TypedDict):
    rule: str
    venue: str
    place_code: str
    place_name: str
    matched_code: str


class Consent(TypedDict):
    version: str  # the privacy notice's version, or `docking:<partner>` for a delegation
    accepted_at: datetime


class MediatorRef(TypedDict):
    login: str
    name: str


class Session(TypedDict, total=False):
    at: datetime
    place: str
    online_link: str
    scheduled_by: str


class Clarified(TypedDict, total=False):
    """A version of the standard request items pushed to the applicant (services/cases/clarification.py)."""

    version: int
    items: list[dict[str, Any]]
    pushed_at: datetime
    pushed_by: str
    state: str
    answered_at: datetime | None
    comment: str


class Authority(TypedDict, total=False):
    """An agent's written authorisation (授权委托书) the mediator saw (services/cases/signing.py)."""

    agent_name: str
    file_id: str  # among the organisation party's evidence
    recorded_at: datetime
    recorded_by: str
    recorded_by_name: str


class Signature(TypedDict, total=False):
    role: str  # applicant, respondent, mediator
    by: str
    name: str  # the party's (an organisation's own name), or the mediator's
    identity: str  # the signed-in identity the front saw
    proof: dict[str, Any]  # the identity proof: {method: sms|card|wechat_mp|wechat_h5|staff, phone (masked)}
    channel: str
    at: datetime
    blob_id: str  # the drawn signature's PNG (store/blobs.py)
    sm3: str
    version: int  # the draft signed
    signatory: str  # an organisation's: the natural person who signed for it
    capacity: str  # legal_representative or agent
    authority: Authority  # an agent's
    seal_blob_id: str  # the organisation's seal image, beside its signatory's signature
    seal_sm3: str


class Term(TypedDict, total=False):
    text: str
    amount: str
    due_date: str
    method: str
    category: str


class Agreement(TypedDict, total=False):
    """The draft being signed (services/cases/signing.py); the signed one is kept in `outcome.agreement`."""

    version: int
    terms: list[Term]
    waivers: str
    copies: int
    without_session: str
    drafted_at: datetime
    drafted_by: str
    signatures: list[Signature]
    effective_at: datetime
    effective_date: str


class FailureReport(TypedDict, total=False):
    """The report of a mediation that failed (法释〔2021〕23号 art. 21), for a delegated case's partner."""

    facts: Required[str]
    reason: Required[str]
    costs: Required[str]
    notes: Required[str]
    signed_by: str  # the mediator who wrote it (their name, printed on the report)
    generated: bool  # made from the respondent's refusal or silence as the platform recorded it


class Outcome(TypedDict, total=False):
    """How the case ended: settled (the agreement), failed (art. 25's closure reason), rejected, returned."""

    kind: Required[str]
    at: Required[datetime]
    reason: str
    closure_reason: str
    reason_code: str
    report: FailureReport
    materials_returned: bool
    agreement: Agreement
    terms_text: str
    end: str  # services/cases/ends.py ENDS: declined, failed, refused, silent, expired, withdrawn
    papers: list[dict[str, str]]  # what the end owes: {kind, to, id} (services/cases/documents.py issue_end_papers)


class PerformanceTerm(TypedDict, total=False):
    term: int
    due_date: str
    state: str  # pending, performed, breached
    asked_at: datetime | None
    reports: list[dict[str, Any]]


class Invitation(TypedDict, total=False):
    """A party's way in (services/cases/respondent.py): `respondent_access`, and `applicant_access` when a
    partner delegated the case."""

    token_hash: str
    invited_at: datetime
    answer_due: str
    answer_due_provisional: bool
    person_id: str | None
    claimed_at: datetime | None
    claimed_by: str | None
    answer: dict[str, Any] | None
    silence_recorded_at: datetime | None
    # Its service (services/cases/service.py): the service record of the message that invites, the moment the
    # message could not be delivered, and the day the mediator served the invitation otherwise (post, phone, in
    # person), from which the answer period then runs.
    notice: str
    undelivered_at: datetime | None
    served_on: str | None


class ServiceConsent(TypedDict, total=False):
    """A party's 送达地址确认书 (services/cases/service.py): consent to electronic service through the platform, and
    the address for service on paper (民事诉讼法 art. 90 as the model; 法释〔2021〕23号 arts. 8, 17, 19 ¶2)."""

    electronic: Required[bool]
    address: Required[str]
    recipient: str
    given_at: Required[datetime]
    channel: str


class PaperService(TypedDict):
    """A notice or document served otherwise than through the platform, as the mediator records it."""

    method: str  # post, phone, in_person
    on: str  # YYYY-MM-DD: the day it was served (received, told, handed over)
    note: str  # a tracking number, who took the call, where it was handed over
    recorded_at: datetime
    recorded_by: str


class ServiceRecord(TypedDict, total=False):
    """The service of one notice or document on one party (`Case.service`, keyed `<item id>-<party>`): written by
    the case writer with the item, delivered by the sender, read by the party, or served on paper."""

    item: Required[str]  # notice (a notification), document (a generated document)
    kind: Required[str]  # the notification's kind, or the document's
    title: Required[str]
    party: Required[str]  # applicant, respondent
    created_at: Required[datetime]
    notice: str | None  # a document: the message that announces it (None: no electronic channel to the party)
    sent_at: datetime  # the message delivered to the party's WeChat or phone (民事诉讼法 art. 90 ¶2)
    channel: str
    failed_at: datetime
    error: str
    opened_at: datetime  # the party opened the page showing it (a read by the party, never by staff)
    downloaded_at: datetime  # a document: the party downloaded it
    paper: PaperService


class Docking(TypedDict, total=False):
    """What a court or arbitration institute's delegation adds (services/court/delegations.py)."""

    partner_id: Required[str]
    partner_kind: str
    partner_name: str
    court_code: str
    partner_case_no: Required[str]
    type: str
    delegated_at: datetime
    received_at: datetime
    answer_due: str
    answer_due_provisional: bool
    answer: dict[str, Any] | None
    overdue_reported_at: datetime | None
    accepted_at: datetime | None
    mediation_days: int
    extension_cap_days: int | None
    mediation_due: str | None
    mediation_due_provisional: bool
    extensions: list[dict[str, Any]]
    extension_request: dict[str, Any] | None
    paused_since: datetime | None
    paused_days: int
    pause_note: str
    pauses: list[dict[str, Any]]
    documents: list[str]
    contact: dict[str, Any]
    video_link: str
    arbitrated: bool | None  # whether the dispute was arbitrated, as the delegation says (None: it does not say)
    cause: Any
    closed_reported_at: datetime | None
    filed_at: datetime | None


class Case(TypedDict, total=False):
    """A case document. `new_case` fills every field down to `updated_at` and the place; the moves add the rest."""

    _id: Required[str]  # the serial number (services/cases/serials.py)
    schema_version: int
    kind: Kind
    status: str  # workflow.STATUSES
    owner_person_id: str | None  # None: a delegated case until the applicant proves the invitation
    channel: str  # where it came from: h5, mp, portal, docking
    employer_key: str  # the company file and collective-dispute warnings
    id_hashes: list[str]  # the person file: keyed hashes of every identity number in the case
    applicant: Party
    respondent: Party
    claim: dict[str, Any]
    evidence: list[str]  # file ids
    consent: Consent
    review_flags: list[Any]
    mediator: MediatorRef | None
    session: Session | None
    timeline: list[TimelineEvent]
    notifications: list[Notification]
    created_at: datetime
    updated_at: datetime
    # The place (services/directory/centres.py Routed.as_case_fields): the centre and the region codes that decided.
    centre: CentreRef
    region_codes: list[str]
    routing_rule: str
    routing: Routing
    docking: Docking
    # Added by the moves and events.
    outbox_due_at: datetime
    outbox_rev: int
    clarified: Clarified
    clarifications: list[Clarified]
    respondent_access: Invitation
    applicant_access: Invitation
    respondent_evidence: list[str]
    agreement: Agreement
    agreement_voided: list[dict[str, Any]]
    outcome: Outcome
    performance: list[PerformanceTerm]
    mediation_extended_to: str
    extensions: list[dict[str, Any]]
    overdue_notified_at: datetime
    collective: dict[str, Any]
    evidence_added: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    document_versions: dict[str, int]
    authorities: dict[str, Authority]  # by role: an organisation party's agent (services/cases/signing.py)
    confirmations: dict[str, Any]
    service: dict[str, ServiceRecord]  # every notice and document served on a party (services/cases/service.py)
    service_consent: dict[str, ServiceConsent]  # each party's 送达地址确认书, by role (applicant, respondent)
    end_papers_due: bool  # an end's papers not all issued yet (services/cases/documents.py issue_end_papers)


def organisation_role(case_kind: str) -> str:
    """Which party is the organisation: the worker's respondent, or the employer that applied."""
    return "respondent" if case_kind == "worker" else "applicant"


def delegated(case: Mapping[str, Any]) -> bool:
    """A case a court or an arbitration institute delegated (it carries the partner in `docking`)."""
    return bool((case.get("docking") or {}).get("partner_id"))


def event(
    at: datetime,
    actor: tuple[str, str],
    action: str,
    channel: str,
    status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """One timeline entry: who did what, when, through which channel, and the status after it; `data`: the
    facts the event changed that the statistics count (a transfer's centres, an assigned mediator)."""
    entry: TimelineEvent = {
        "at": at,
        "actor": {"type": actor[0], "id": actor[1]},
        "action": action,
        "channel": channel,
        "status": status,
    }
    if note:
        entry["note"] = note
    if data:
        entry["data"] = data
    return entry


def new_case(
    ctx: ServiceContext,
    serial: str,
    how: str,
    actor: tuple[str, str],
    channel: str,
    now: datetime,
    application: dict[str, Any],
    *,
    owner_person_id: str | None,
    consent_version: str,
    place: Mapping[str, Any],
    docking: Docking | None = None,
    note: str = "",
) -> Case:
    """A new case, as the case writer creates it (services/cases/moves.py `create`).

    `how`: `submit` (an applicant's application) or `delegate` (a partner's delegation), its first event by
    `actor`; `application`: kind, applicant, respondent, claim, evidence and review_flags as validated (the
    parties' numbers are sealed here); `place`: the centre and region codes that routed it
    (centres.Routed.as_case_fields); `docking`: the delegation's facts.
    """
    status = CREATIONS[how]
    case: Case = {
        "_id": serial,
        "schema_version": SCHEMA_VERSION,
        "kind": application["kind"],
        "status": status,
        "owner_person_id": owner_person_id,
        "channel": channel,
        "employer_key": employer_key(employer_of(application)),
        "id_hashes": id_hashes(ctx, application),
        "applicant": seal_party(ctx.cipher, application["applicant"], "applicant"),
        "respondent": seal_party(ctx.cipher, application["respondent"], "respondent"),
        "claim": application["claim"],
        "evidence": list(application.get("evidence") or []),
        "consent": {"version": consent_version, "accepted_at": now},
        "review_flags": list(application.get("review_flags") or []),
        "mediator": None,
        "session": None,
        "timeline": [event(now, actor, how, channel, status, note)],
        "notifications": [],
        "created_at": now,
        "updated_at": now,
    }
    if docking is not None:
        case["docking"] = docking
    given = application.get("service")
    if given:  # the applicant's 送达地址确认书, given with the application (services/cases/service.py)
        consent: ServiceConsent = {
            "electronic": bool(given["electronic"]),
            "address": str(given["address"]),
            "given_at": now,
            "channel": channel,
        }
        if given.get("recipient"):
            consent["recipient"] = str(given["recipient"])
        case["service_consent"] = {"applicant": consent}
    case["centre"] = place["centre"]
    case["region_codes"] = place["region_codes"]
    case["routing_rule"] = place["routing_rule"]
    case["routing"] = place["routing"]
    return case
