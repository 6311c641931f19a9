"""Sign-in with the electronic social security card: the identity-provider interface, login tickets, the flow.

The flow such platforms use: our page asks for a login ticket (random, single use, two minutes,
bound to the browser that asked); a QR code shows the platform's authorisation address carrying
it (inside WeChat the browser is redirected there instead); the person confirms in the card's
app; the platform notifies our callback with an SM2-signed result; we check it, fetch the
verified identity (SM4-encrypted with our channel key), link it to a person and mark the ticket
confirmed; the page, polling the ticket with its binding cookie, is then signed in.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import qrcode
import qrcode.constants
from PIL import Image

from i18n import text
from platforms.card import CardIdentity, Notification, NotificationRefused, PlatformUnavailable
from services.accounts.persons import identity_key, link_identity, new_person
from services.accounts.portal_accounts import id_number_hash
from services.core.context import ServiceContext
from services.core.errors import DependencyDown, ServiceError
from services.core.idnumbers import ID_TYPES, normalise_number
from services.core.personal_data import mask_document_number

log = logging.getLogger("mediation.card")

PROVIDER = "sscard"
CONSUME_GRACE = timedelta(seconds=60)  # a confirmed ticket may still be picked up this long after expiry
MAX_WAIT_SECONDS = 25.0  # long-poll cap: below common proxy idle timeouts
POLL_INTERVAL = 0.5
VERIFIED_ID_FIELD = "person.verified_id"


class IdentityProvider(Protocol):
    """What the flow needs of a card platform; the real one's interface is given at onboarding."""

    platform_id: str

    def authorize_url(self, ticket: str, return_url: str | None = None) -> str: ...

    async def available(self) -> bool: ...

    async def check_notification(self, body: dict[str, Any]) -> Notification: ...

    async def fetch_identity(self, auth_code: str) -> CardIdentity: ...


@dataclass(frozen=True)
class NewTicket:
    ticket: str
    binding_secret: str  # goes into the browser's signed cookie, only its hash into the database
    authorize_url: str
    expires_in: int


@dataclass(frozen=True)
class TicketState:
    state: str  # "pending", "confirmed", "expired", "failed"
    message: str = ""
    person_id: str = ""
    next_url: str = ""


def _binding_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


async def create_ticket(
    ctx: ServiceContext,
    provider: IdentityProvider,
    session_person: str | None,
    next_url: str,
    return_url: str | None = None,
) -> NewTicket:
    """A new login ticket; 503 (nothing stored) when the platform does not answer.

    `session_person` is whoever this browser is signed in as now: a confirmed card joins them.
    """
    if not await provider.available():
        raise DependencyDown("card_platform_unavailable")
    ticket, secret, now = secrets.token_urlsafe(24), secrets.token_urlsafe(24), ctx.real_clock()
    ttl = ctx.settings.card_platform.ticket_seconds
    await ctx.db["card_tickets"].insert_one(
        {
            "_id": ticket,
            "binding": _binding_hash(secret),
            "state": "pending",
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl),
            "next": next_url,
            "session_person": session_person,
            "flow": "redirect" if return_url else "qr",
        }
    )
    return NewTicket(ticket, secret, provider.authorize_url(ticket, return_url), ttl)


def qr_png(text: str, box: int = 6, border: int = 3) -> bytes:
    """The QR code of `text` as PNG (blocking: about 7 ms of mostly pure Python)."""
    # A fixed mask: choosing the "best" one encodes the symbol eight times (3x slower) and any mask
    # scans. Modules are drawn one pixel each and scaled up by PIL, not drawn as rectangles.
    code = qrcode.QRCode(border=border, mask_pattern=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.frombytes("L", (size, size), bytes(0 if dark else 255 for row in matrix for dark in row))
    out = io.BytesIO()
    image.resize((size * box, size * box), Image.Resampling.NEAREST).convert("1").save(out, "PNG")
    return out.getvalue()


async def poll_ticket(
    ctx: ServiceContext,
    ticket: str,
    binding_secret: str,
    wait_seconds: float = 0,
    stopping: asyncio.Event | None = None,
) -> TicketState:
    """The ticket's state for the browser holding its binding; a confirmed ticket is used up here, once.

    `stopping`: set when the server is asked to stop (SIGTERM): a long poll still waiting ends at once with a 503
    (the page polls again, reaching another process or this one restarted), between two reads, never after a
    confirmed ticket was used up."""
    deadline = time.monotonic() + min(max(wait_seconds, 0.0), MAX_WAIT_SECONDS)
    tickets = ctx.db["card_tickets"]
    while True:
        doc = await tickets.find_one({"_id": ticket})
        if doc is None or not secrets.compare_digest(doc["binding"], _binding_hash(binding_secret)):
            raise ServiceError(403, "ticket_foreign")
        now = ctx.real_clock()
        expires_at = _aware(doc["expires_at"], now)
        if doc["state"] == "confirmed" and now <= expires_at + CONSUME_GRACE:
            used = await tickets.update_one(
                {"_id": ticket, "state": "confirmed"}, {"$set": {"state": "consumed", "consumed_at": now}}
            )
            if used.modified_count == 1:
                return TicketState("confirmed", "", doc["person_id"], doc["next"])
            return TicketState("expired", text("card.ticket.used"))
        if doc["state"] == "failed":
            return TicketState("failed", doc["failure"]["message"])
        if doc["state"] == "consumed" or now > expires_at:
            return TicketState("expired", text("card.ticket.expired"))
        if time.monotonic() >= deadline:
            return TicketState("pending")
        if stopping is None:
            await asyncio.sleep(POLL_INTERVAL)
            continue
        try:
            await asyncio.wait_for(stopping.wait(), POLL_INTERVAL)
        except TimeoutError:
            continue
        raise ServiceError(503, "shutting_down")


async def handle_notification(ctx: ServiceContext, provider: IdentityProvider, body: Any, remote: str) -> None:
    """The platform's signed result for a ticket. Refusals raise NotificationRefused and change nothing."""
    try:
        if not isinstance(body, dict):
            raise NotificationRefused(400, "notification_malformed", "body is not an object")
        note = await provider.check_notification(body)
        await _advance(ctx, provider, note)
    except NotificationRefused as refused:
        # Logged without personal data: the code, a ticket prefix and who sent it.
        ticket = str(body.get("ticket", ""))[:6] if isinstance(body, dict) else ""
        log.warning("card notification refused: %s ticket=%s… from %s", refused.code, ticket, remote)
        raise


async def _advance(ctx: ServiceContext, provider: IdentityProvider, note: Notification) -> None:
    tickets, now = ctx.db["card_tickets"], ctx.real_clock()
    doc = await tickets.find_one({"_id": note.ticket})
    if doc is None:
        raise NotificationRefused(404, "ticket_unknown", "no such ticket")
    claimed = await tickets.update_one(
        {"_id": note.ticket, "state": "pending", "expires_at": {"$gt": now}},
        {
            "$set": {
                "state": "verifying" if note.result == "confirmed" else "failed",
                "notified_at": now,
                **({} if note.result == "confirmed" else {"failure": _failure("cancelled")}),
            }
        },
    )
    if claimed.modified_count != 1:
        if doc["state"] != "pending":
            raise NotificationRefused(409, "ticket_used", "ticket already notified (replay)")
        raise NotificationRefused(410, "ticket_expired", "ticket expired")
    if note.result != "confirmed":
        return
    try:
        identity = await provider.fetch_identity(note.auth_code)
        person_id = await _person_for_card(ctx, provider.platform_id, identity, doc.get("session_person"))
    except PlatformUnavailable as exc:
        await _fail(ctx, note.ticket, "platform_unavailable", str(exc))
        return
    except (ValueError, TypeError) as exc:
        await _fail(ctx, note.ticket, "identity_invalid", str(exc))
        return
    except _LinkRefused as exc:
        await _fail(ctx, note.ticket, exc.code, "")
        return
    await tickets.update_one(
        {"_id": note.ticket, "state": "verifying"}, {"$set": {"state": "confirmed", "person_id": person_id}}
    )


def _failure(code: str) -> dict[str, str]:
    """Why the sign-in failed, kept on the ticket for its poll: the code and the words `card.failure.<code>`."""
    return {"code": code, "message": text(f"card.failure.{code}")}


async def _fail(ctx: ServiceContext, ticket: str, code: str, detail: str) -> None:
    log.warning("card sign-in failed: %s ticket=%s… %s", code, ticket[:6], detail)
    await ctx.db["card_tickets"].update_one(
        {"_id": ticket, "state": "verifying"}, {"$set": {"state": "failed", "failure": _failure(code)}}
    )


class _LinkRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def _person_for_card(
    ctx: ServiceContext, platform_id: str, identity: CardIdentity, session_person: str | None
) -> str:
    """The person the card identity belongs to, linked and marked verified.

    With a person already signed in in this browser, the card joins them (both signed in at once is
    the proof), unless the card belongs to someone else already or their ID differs: never merged.
    """
    number = normalise_number(identity.id_number)
    if not identity.name or not number or identity.id_type not in ID_TYPES:
        raise ValueError("identity without name, number or a known document type")
    subject = identity.subject_id or identity.card_number
    existing = await ctx.db["identities"].find_one({"_id": identity_key(PROVIDER, platform_id, subject)})
    id_hash = id_number_hash(ctx, number)
    person = await ctx.db["persons"].find_one({"_id": session_person}) if session_person else None
    if person is not None:
        if existing and existing["person_id"] != person["_id"]:
            raise _LinkRefused("card_linked_elsewhere")
        if (person.get("verified_id_hash") or person.get("claimed_id_hash") or id_hash) != id_hash:
            raise _LinkRefused("identity_mismatch")
        target = person["_id"]
    elif existing:
        target = existing["person_id"]
    else:
        target = await new_person(ctx)
    linked = await link_identity(ctx, PROVIDER, platform_id, subject, target)
    if linked != target:  # a concurrent sign-in with the same card linked it first
        if person is not None:
            raise _LinkRefused("card_linked_elsewhere")
        target = linked
    await ctx.db["persons"].update_one(
        {"_id": target},
        {
            "$set": {
                "verified": True,
                "verified_via": PROVIDER,
                "verified_at": ctx.clock(),
                "verified_name": identity.name,
                "verified_id_type": identity.id_type,
                "verified_id": ctx.cipher.encrypt(number, VERIFIED_ID_FIELD) | {"masked": mask_document_number(number)},
                "verified_id_hash": id_hash,
                "card_issuing_area": identity.issuing_area,
                "card_number_masked": mask_document_number(identity.card_number),
            }
        },
    )
    return target
