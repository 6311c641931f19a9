"""The background sender: delivers case notifications at least once, never again after WeChat acknowledged one.

The case writer (services/cases/moves.py) puts every notification into the case document and lowers
the case's `outbox_due_at` with `$min`. A pass reads the cases whose `outbox_due_at` has come, and
for each case:

1. claims the due notifications (state `pending` whose `next_attempt_at` has come, or `claimed`
   whose claim expired: its sender crashed) with ONE conditional update: of several processes
   only one matches, and a claim that is never finished expires after `claim_seconds`;
2. sends each claimed notification, in the order they were written (the applicant reads
   "accepted" before "scheduled"), trying the mini-program subscribe message where the applicant
   granted one, then the official account's template message;
3. records each result at once, with another conditional update: `sent` (never sent again),
   back to `pending` with a back-off (temporary failure), or `failed` with a reason in Chinese
   for the mediator (the applicant cannot be reached, or 48 hours of temporary failures).

Every write of the sender is conditional on the case's `outbox_rev` (which the sender increments)
and on the length of `notifications` (which moves change, as they only ever append): the written
`outbox_due_at` is then computed from exactly the array it lands on, never from a stale copy that
would hide a notification pushed meanwhile. The same condition makes array positions stable, so
updates address `notifications.<i>` directly (mongomock's positional `$` in find_one_and_update
updates the wrong element). Contract for other writers: only append to `notifications`; anything
that changes an existing notification must also change `outbox_rev`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from prometheus_client import Counter

from i18n import text
from platforms.sms import SmsProvider, SmsRefused, SmsUnavailable
from services.cases import moves, service
from services.cases.outbox import (
    APPLICANT,
    CLAIMED,
    FAILED,
    PARTNER,
    PENDING,
    RESPONDENT,
    SENT,
    applicant_phone_field,
    template_values,
)
from services.core.context import ServiceContext
from services.core.phones import e164, is_mobile
from services.notify import subscriptions as mp_subscriptions
from settings import KindTemplates, MessageTemplate
from wechat.client import WeChatApi
from wechat.errors import WeChatRefused, WeChatUnavailable
from wechat.messages import send_subscribe, send_template, subscribe_payload, template_payload

log = logging.getLogger("mediation.notifications")

CHANNEL_OA = "wechat_oa_template"
CHANNEL_MP = "wechat_mp_subscribe"
CHANNEL_SMS = "sms"
CHANNEL_PARTNER = "partner"  # a delegated case's event to its court or institute (services/court/outbox.py)
CASES = "cases"
# The parties' phones: a respondent not yet known to us (and a delegated case's applicant) is reached by SMS
# (services/cases/outbox.py).
PROJECTION = {
    "notifications": 1,
    "outbox_rev": 1,
    "outbox_due_at": 1,
    "respondent.phone": 1,
    "respondent.contact_phone": 1,
    "applicant.phone": 1,
    "applicant.contact_phone": 1,
    "kind": 1,
    "applicant_access.invited_at": 1,
}
RECORD_TRIES = 6  # optimistic retries of one result write (each conflict is a concurrent move or claim)
RATE_LIMIT_PAUSE = 10.0  # seconds an app id's sends pause after WeChat's 45009

# WeChat refusals that concern the recipient or the message itself: retrying cannot help, another
# channel might. The text is what the mediator reads on the case page.
REFUSALS = {errcode: text(f"notify.refused.{errcode}") for errcode in (43004, 40003, 43101, 40037, 47003)}
# Everything else is retried with back-off: -1 (busy, raised as WeChatUnavailable), 45009 (rate
# limit), 40001/42001 after the token refresh, and unknown codes (often a configuration problem an
# administrator fixes within the 48 hours).
UNREACHABLE_NO_IDENTITY = text("notify.unreachable.no_identity")
UNREACHABLE_MP_ONLY = text("notify.unreachable.mp_only")
WECHAT_DOWN = text("notify.retry.wechat_down")
UNSUPPORTED_RECIPIENT = text("notify.unreachable.recipient")
INTERNAL_ERROR = text("notify.retry.internal_error")
NO_MOBILE = text("notify.unreachable.no_mobile")
NOT_A_MOBILE = text("notify.unreachable.not_a_mobile")
SMS_DOWN = text("notify.retry.sms_down")
SMS_REFUSED = text("notify.unreachable.sms_refused")
NO_DOCKING = text("notify.retry.no_docking")


DELIVERY_FAILURES = Counter(
    "mediation_notification_failures_total",
    "Notification deliveries that did not succeed, by channel (official_account, mini_program, sms, partner; none: "
    "no channel could be tried) and outcome (retry: tried again later; failed: given up, the mediator is told)",
    ["channel", "outcome"],
)


@dataclass
class Outcome:
    """What one delivery attempt came to: `sent`, `pending` (retry later) or `failed`."""

    state: str
    channel: str | None = None
    msgid: Any = None
    error: str | None = None
    errcode: int | None = None


@dataclass
class _Case:
    """The sender's copy of a case's outbox, with the version its next write is conditional on."""

    id: str
    rev: int | None
    due: datetime | None
    notifications: list[dict[str, Any]]
    respondent: dict[str, Any] = field(default_factory=dict)  # its sealed phones only
    applicant: dict[str, Any] = field(default_factory=dict)  # its sealed phones only
    # A delegated case's applicant was invited by SMS to the phone the court gave: SMS reaches them too.
    applicant_phone_field: str = ""

    @classmethod
    def of(cls, doc: dict[str, Any]) -> _Case:
        invited = bool((doc.get("applicant_access") or {}).get("invited_at"))
        return cls(
            doc["_id"],
            doc.get("outbox_rev"),
            doc.get("outbox_due_at"),
            list(doc.get("notifications") or []),
            dict(doc.get("respondent") or {}),
            dict(doc.get("applicant") or {}),
            applicant_phone_field(doc.get("kind", "worker")) if invited else "",
        )


def _claimable(n: dict[str, Any], now: datetime) -> bool:
    if n.get("state") == PENDING:
        return (n.get("next_attempt_at") or now) <= now
    if n.get("state") == CLAIMED:
        return (n.get("claimed_until") or now) <= now
    return False


def next_due(notifications: list[dict[str, Any]], now: datetime) -> datetime | None:
    """When the case needs the sender next: the earliest pending attempt or claim expiry; None if never."""
    times = []
    for n in notifications:
        if n.get("state") == PENDING:
            times.append(n.get("next_attempt_at") or now)
        elif n.get("state") == CLAIMED:
            times.append(n.get("claimed_until") or now)
    return min(times, default=None)


class TokenBucket:
    """At most `rate` sends a second (bursts of one second's worth) for one WeChat app id in this process."""

    def __init__(self, rate: float) -> None:
        self.rate = max(rate, 0.001)
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.updated: float | None = None
        self.paused_until = 0.0

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if self.updated is not None:
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            wait = self.paused_until - now
            if wait <= 0:
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """WeChat said 45009 (calls over the limit): hold every send of this app id for a while."""
        self.paused_until = max(self.paused_until, asyncio.get_running_loop().time() + seconds)
        self.tokens = 0.0


class PartnerDelivery(Protocol):
    """Delivers a case's events to a court or an arbitration institute (services/court/outbox.py, attached at start)."""

    async def deliver(self, case_id: str, notification: dict[str, Any]) -> Outcome: ...


class NotificationSender:
    """One per process: `start()` runs passes every `poll_seconds` (sooner after `wake()`); `run_once()` is one pass."""

    def __init__(
        self,
        ctx: ServiceContext,
        oa_client: WeChatApi | None,
        mp_client: WeChatApi | None,
        *,
        sms: SmsProvider | None = None,
        rng: random.Random | None = None,
        partners: PartnerDelivery | None = None,
    ) -> None:
        self.ctx = ctx
        self.oa_client = oa_client
        self.mp_client = mp_client
        self.sms = sms  # respondents not known to us are reached by SMS
        self.partners = partners  # a delegated case's events to its court (services/court/outbox.py)
        self.config = ctx.settings.notifications
        self.rng = rng or random.Random()
        self.buckets: dict[str, TokenBucket] = {}
        self.stats = {"sent": 0, "retried": 0, "failed": 0, "conflicts": 0}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background loop on the running event loop (app.start)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="notification-sender")

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the pass in progress finish (its claims would otherwise wait for expiry), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        finally:
            self._stopping = False  # the loop is gone; a pass asked for by name (run_once) runs in full

    def wake(self) -> None:
        """Ask for a pass now (a service that just wrote a notification); the poll covers other processes."""
        self._wake.set()

    async def _loop(self) -> None:
        failing = False
        while not self._stopping:
            try:
                handled = await self.run_once()
                if failing:
                    log.info("notification sender: the database answers again")
                failing = False
            except Exception:  # the database is down or a bug: keep the loop alive, say it once
                handled = 0
                if not failing:
                    log.warning(
                        "notification sender: a pass failed; retrying every %.1f s",
                        self.config.poll_seconds,
                        exc_info=True,
                    )
                failing = True
            if self._stopping:
                break
            if handled >= self.config.batch:  # more cases are due: go on at once
                await asyncio.sleep(0)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.config.poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self) -> int:
        """One pass over the cases whose outbox is due; returns how many cases it read."""
        now = self.ctx.clock()
        cursor = self.ctx.db[CASES].find({"outbox_due_at": {"$lte": now}}, PROJECTION)
        docs = await cursor.sort("outbox_due_at", 1).limit(self.config.batch).to_list(self.config.batch)
        if not docs:
            return 0
        limit = asyncio.Semaphore(max(1, self.config.concurrency))

        async def one(doc: dict[str, Any]) -> None:
            async with limit:
                await self.process_case(_Case.of(doc))

        results = await asyncio.gather(*(one(doc) for doc in docs), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]  # the loop logs it; the other cases went on
        return len(docs)

    # --- one case -----------------------------------------------------------------------------

    async def process_case(self, case: _Case) -> None:
        if self._stopping:  # claimed now, it would wait for its claim to lapse: left for the next process
            return
        claimed = await self.claim(case)
        if claimed is None:
            return
        token, indexes = claimed
        for index in indexes:
            if self._stopping:  # stopping (SIGTERM): between two sends; what is left waits for its claim to lapse
                break
            current = case.notifications[index]
            if current.get("state") != CLAIMED or current.get("claim") != token:
                continue  # re-read after a conflict: our claim lapsed and another sender has it
            outcome = await self._deliver_safely(case, current)
            if await self._record(case, index, token, outcome) == FAILED:
                await self._undelivered(case.id, current)

    async def claim(self, case: _Case) -> tuple[str, list[int]] | None:
        """Claim the case's due notifications in one conditional update: (claim token, positions), or None."""
        for _ in range(3):
            now = self.ctx.clock()
            indexes = [i for i, n in enumerate(case.notifications) if _claimable(n, now)]
            if not indexes:
                if case.due is not None and case.due <= now and next_due(case.notifications, now) != case.due:
                    await self._write(case, {}, {})  # a stale outbox_due_at: correct it, or passes spin
                return None
            token = uuid.uuid4().hex
            until = now + timedelta(seconds=self.config.claim_seconds)
            changes: dict[int, dict[str, Any]] = {}
            conditions: dict[str, Any] = {}
            for i in indexes:
                n = case.notifications[i]
                changes[i] = {
                    "state": CLAIMED,
                    "claim": token,
                    "claimed_until": until,
                    "attempts": int(n.get("attempts") or 0) + 1,
                }
                conditions |= {
                    f"notifications.{i}.id": n.get("id"),
                    f"notifications.{i}.state": n.get("state"),
                    f"notifications.{i}.attempts": n.get("attempts"),
                }
            if await self._write(case, changes, conditions):
                return token, indexes
            fresh = await self._read(case.id)  # another sender or a move got there first: look again
            if fresh is None:
                return None
            case.rev, case.due, case.notifications = fresh.rev, fresh.due, fresh.notifications
        return None

    async def _read(self, case_id: str) -> _Case | None:
        doc = await self.ctx.db[CASES].find_one({"_id": case_id}, PROJECTION)
        return _Case.of(doc) if doc else None

    async def _write(
        self,
        case: _Case,
        changes: dict[int, dict[str, Any]],
        conditions: dict[str, Any],
        served: dict[str, Any] | None = None,
    ) -> bool:
        """Apply `changes` (position -> fields) if the outbox is still the version we read; recompute outbox_due_at.
        `served`: the delivery of the service record a message serves (moves.delivery_fields), in the same write."""
        after = [n | changes.get(i, {}) for i, n in enumerate(case.notifications)]
        due = next_due(after, self.ctx.clock())
        rev = (case.rev or 0) + 1
        fields = {f"notifications.{i}.{k}": v for i, c in changes.items() for k, v in c.items()}
        update: dict[str, Any] = {"$set": {**fields, **(served or {}), "outbox_rev": rev}}
        if due is None:
            update["$unset"] = {"outbox_due_at": ""}
        else:
            update["$set"]["outbox_due_at"] = due
        # `outbox_rev: None` also matches a case the sender never wrote (no field yet).
        version = {"outbox_rev": case.rev, "notifications": {"$size": len(case.notifications)}}
        if not await moves.write_outbox(self.ctx, case.id, version | conditions, update):
            self.stats["conflicts"] += 1
            return False
        case.rev, case.due, case.notifications = rev, due, after
        return True

    async def _record(self, case: _Case, index: int, token: str, outcome: Outcome) -> str | None:
        """Write one result; on a conflict re-read and apply it again to what is there now. The state written
        (None: nothing was). A message to a party carries its service's delivery in the same write."""
        notification_id = case.notifications[index].get("id")
        for _ in range(RECORD_TRIES):
            current = case.notifications[index]
            if current.get("id") != notification_id:  # positions only move if someone broke the append-only rule
                log.error("notification %s of case %s moved; result not recorded", notification_id, case.id)
                return None
            changes = self._result_fields(current, token, outcome)
            if changes is None:
                return None
            at = changes.get("sent_at") or changes.get("failed_at")
            served = moves.delivery_fields(
                current, changes["state"], at, changes.get("channel"), changes.get("last_error")
            )
            if await self._write(case, {index: changes}, {f"notifications.{index}.id": notification_id}, served):
                self._count(changes["state"], outcome)
                return str(changes["state"])
            fresh = await self._read(case.id)
            if fresh is None:
                return None
            case.rev, case.due, case.notifications = fresh.rev, fresh.due, fresh.notifications
        # The claim will expire and the notification be tried again: at least once, as promised.
        log.error(
            "notification %s of case %s: result %s not recorded after %d conflicts",
            notification_id,
            case.id,
            outcome.state,
            RECORD_TRIES,
        )
        return None

    async def _undelivered(self, case_id: str, notification: dict[str, Any]) -> None:
        """A message to a party could not be delivered: what follows is the case's (services/cases/service.py: a
        respondent not invited electronically is flagged to the mediator, and the applicant told)."""
        try:
            await service.undelivered(self.ctx, case_id, notification)
        except Exception:  # the failure is recorded already; the mediator sees it on the case page
            log.exception(
                "notification %s of case %s: what follows its failure was not recorded", notification.get("id"), case_id
            )

    def _result_fields(self, current: dict[str, Any], token: str, outcome: Outcome) -> dict[str, Any] | None:
        now = self.ctx.clock()
        released = {"claim": None, "claimed_until": None}
        if outcome.state == SENT:
            if current.get("state") == SENT:
                return None
            # Acknowledged by WeChat: recorded whoever holds the claim now, so that nobody sends it again.
            return {
                "state": SENT,
                "sent_at": now,
                "channel": outcome.channel,
                "msgid": outcome.msgid,
                "last_error": None,
                **released,
            }
        if current.get("state") != CLAIMED or current.get("claim") != token:
            return None  # our claim expired and another sender owns the notification now
        created = current.get("created_at") or now
        # A partner's event is never given up: it waits (shown 待推送) until the partner's system takes it.
        gives_up = (current.get("to") or {}).get("type") != PARTNER
        if gives_up and outcome.state == PENDING and now - created >= timedelta(hours=self.config.give_up_hours):
            hours = f"{self.config.give_up_hours:g}"
            error = text("notify.gave_up", hours=hours, reason=outcome.error)
            return {"state": FAILED, "failed_at": now, "last_error": error, **released}
        if outcome.state == PENDING:
            delay = self.backoff(int(current.get("attempts") or 1))
            return {"state": PENDING, "next_attempt_at": now + delay, "last_error": outcome.error, **released}
        return {"state": FAILED, "failed_at": now, "last_error": outcome.error, **released}

    def _count(self, state: str, outcome: Outcome) -> None:
        self.stats[{SENT: "sent", PENDING: "retried"}.get(state, "failed")] += 1
        if state != SENT:  # watched at /metrics (handlers/metrics.py)
            DELIVERY_FAILURES.labels(outcome.channel or "none", "retry" if state == PENDING else "failed").inc()
        if state == FAILED:
            log.warning("notification failed: %s", outcome.error)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential from `backoff_base_seconds`, capped, with jitter (so a backlog does not retry in step)."""
        ceiling = min(self.config.backoff_cap_seconds, self.config.backoff_base_seconds * 2 ** min(attempts - 1, 30))
        return timedelta(seconds=ceiling * (0.5 + 0.5 * self.rng.random()))

    # --- delivery -----------------------------------------------------------------------------

    async def _deliver_safely(self, case: _Case, notification: dict[str, Any]) -> Outcome:
        try:
            return await self.deliver(case, notification)
        except Exception:  # a bug or the database: treated as temporary, so it is retried and then reported
            log.exception("notification %s of case %s: delivery failed", notification.get("id"), case.id)
            return Outcome(PENDING, error=INTERNAL_ERROR)

    async def deliver(self, case: _Case, notification: dict[str, Any]) -> Outcome:
        """Try the recipient's channels in turn; the first acknowledgement or temporary failure ends it.

        An applicant is reached in WeChat (a granted subscribe message, else the official account); a
        respondent too once known to us, and otherwise (or when WeChat refuses) by SMS to a mobile.
        """
        to = notification.get("to") or {}
        if to.get("type") == PARTNER:
            if self.partners is None:
                return Outcome(PENDING, CHANNEL_PARTNER, error=NO_DOCKING)
            delivered = await self.partners.deliver(case.id, notification)
            if delivered.state != SENT and not delivered.channel:
                delivered.channel = CHANNEL_PARTNER  # what the metrics count it under (a sent one says its own)
            return delivered
        kind = str(notification.get("kind") or "")
        templates = self.config.kinds.get(kind)
        if to.get("type") not in (APPLICANT, RESPONDENT) or templates is None:
            return Outcome(FAILED, error=UNSUPPORTED_RECIPIENT)
        if to["type"] == APPLICANT and case.applicant_phone_field and not to.get("phone_field"):
            to = dict(to, phone_field=case.applicant_phone_field)
        if to["type"] == APPLICANT and not to.get("person_id") and not to.get("phone_field"):
            return Outcome(FAILED, error=UNSUPPORTED_RECIPIENT)
        refusals: list[str] = []
        if to.get("person_id"):
            outcome = await self._wechat(case.id, to["person_id"], notification, templates, refusals)
            if outcome is not None:
                return outcome
        if to.get("phone_field"):  # a respondent; a delegated case's applicant before they proved the invitation
            outcome = await self._sms(case, to, notification, templates, refusals)
            if outcome is not None:
                return outcome
        return Outcome(FAILED, error="；".join(dict.fromkeys(refusals)))

    def _values(self, template: MessageTemplate, notification: dict[str, Any]) -> dict[str, str]:
        return template_values(template, notification, self.ctx.settings.public_base_url)

    async def _wechat(
        self,
        case_id: str,
        person_id: str,
        notification: dict[str, Any],
        templates: KindTemplates,
        refusals: list[str],
    ) -> Outcome | None:
        """A subscribe message where granted, else the official account; None when neither could take it."""
        oa_openid, mp_openid = await self._openids(person_id)
        mp, oa = templates.mini_program, templates.official_account
        if mp_openid and self.mp_client is not None and mp is not None:
            # The grant is taken before the send, so two senders never spend one grant twice.
            if await mp_subscriptions.take_grant(self.ctx, person_id, mp.template_id):
                page = f"{self.config.mp_page}?serial={case_id}"
                payload = subscribe_payload(mp_openid, mp.template_id, self._values(mp, notification), page)
                outcome = await self._send(self.mp_client, send_subscribe, payload, CHANNEL_MP)
                if outcome.state == PENDING:
                    await mp_subscriptions.return_grant(self.ctx, person_id, mp.template_id)
                if outcome.state != FAILED:
                    return outcome
                if outcome.errcode == 43101:
                    await mp_subscriptions.forget_grants(self.ctx, person_id, mp.template_id)
                refusals.append(outcome.error or "")
        if oa_openid and self.oa_client is not None and oa is not None:
            url = self.ctx.settings.public_base_url + str(notification.get("link") or "/h5/cases")
            payload = template_payload(oa_openid, oa.template_id, self._values(oa, notification), url)
            outcome = await self._send(self.oa_client, send_template, payload, CHANNEL_OA)
            if outcome.state != FAILED:
                return outcome
            refusals.append(outcome.error or "")
        if not refusals:
            refusals.append(UNREACHABLE_MP_ONLY if mp_openid else UNREACHABLE_NO_IDENTITY)
        return None

    async def _sms(
        self,
        case: _Case,
        to: dict[str, Any],
        notification: dict[str, Any],
        templates: KindTemplates,
        refusals: list[str],
    ) -> Outcome | None:
        """An SMS to the party's phone (as the applicant or the partner gave it), only to a mobile."""
        party = APPLICANT if to.get("type") == APPLICANT else RESPONDENT
        sealed = (case.applicant if party == APPLICANT else case.respondent).get(str(to.get("phone_field") or ""))
        if self.sms is None or templates.sms is None or not isinstance(sealed, dict):
            refusals.append(NO_MOBILE)
            return None
        phone = self.ctx.cipher.decrypt(sealed, f"{party}.{to['phone_field']}")
        if not is_mobile(phone):
            refusals.append(NOT_A_MOBILE)
            return None
        try:
            message_id = await self.sms.send_message(
                e164(phone), templates.sms.template_id, self._values(templates.sms, notification)
            )
        except SmsUnavailable:
            return Outcome(PENDING, CHANNEL_SMS, error=SMS_DOWN)
        except SmsRefused:
            refusals.append(SMS_REFUSED)
            return None
        return Outcome(SENT, CHANNEL_SMS, msgid=message_id)

    async def _openids(self, person_id: str) -> tuple[str | None, str | None]:
        """The person's official account and mini-program openids (identities `_id` = provider:appid:openid)."""
        cursor = self.ctx.db["identities"].find({"person_id": person_id}, {"_id": 1})
        oa = f"wechat_oa:{self.ctx.settings.wechat_app_id}:"
        mp = f"wechat_mp:{self.ctx.settings.mp_app_id}:"
        oa_openid = mp_openid = None
        for doc in await cursor.to_list(50):
            key = str(doc["_id"])
            if key.startswith(oa):
                oa_openid = key[len(oa) :]
            elif key.startswith(mp):
                mp_openid = key[len(mp) :]
        return oa_openid, mp_openid

    def bucket(self, appid: str) -> TokenBucket:
        if appid not in self.buckets:
            self.buckets[appid] = TokenBucket(self.config.rate_per_second)
        return self.buckets[appid]

    async def _send(
        self,
        client: WeChatApi,
        send: Callable[[WeChatApi, dict[str, Any]], dict[str, Any]],
        payload: dict[str, Any],
        channel: str,
    ) -> Outcome:
        bucket = self.bucket(client.appid)
        await bucket.acquire()
        try:
            result = await self.ctx.run_blocking(send, client, payload)
        except WeChatUnavailable:
            # The exception's text may carry the request URL with the access token: never stored.
            return Outcome(PENDING, channel, error=WECHAT_DOWN)
        except WeChatRefused as exc:
            if exc.errcode == 45009:
                bucket.pause(RATE_LIMIT_PAUSE)
                return Outcome(PENDING, channel, error=text("notify.retry.rate_limited"), errcode=exc.errcode)
            if exc.errcode in REFUSALS:
                return Outcome(FAILED, channel, error=REFUSALS[exc.errcode], errcode=exc.errcode)
            error = text("notify.retry.refused", errcode=exc.errcode)
            return Outcome(PENDING, channel, error=error, errcode=exc.errcode)
        return Outcome(SENT, channel, msgid=(result or {}).get("msgid"))
