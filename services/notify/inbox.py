"""The official account's callback: verify, deduplicate, answer within milliseconds, act once, slow work after."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError
from wechatpy.messages import BaseMessage

from i18n import text
from services.accounts.persons import person_for_identity, person_of_identity
from services.cases import views
from services.core.context import ServiceContext
from services.core.errors import ServiceError
from services.core.numbers import read_whole
from wechat.callback import (
    CallbackRejected,
    SafeMode,
    dedup_key,
    parse_xml,
    read_message,
    signature,
    signature_matches,
    text_field,
    text_reply,
)
from wechat.client import WeChatApi, call_wechat

log = logging.getLogger("mediation.wechat.callback")

MESSAGES = "wechat_messages"  # _id = dedup key: the first copy's claim and the reply it got; expires_at (TTL)
NONCES = "wechat_nonces"  # _id = nonce; expires_at (TTL)
WINDOW = timedelta(minutes=5)  # timestamps further than this from now are refused
NONCE_TTL = 2 * WINDOW  # a nonce is remembered as long as its timestamp could still be accepted
MESSAGE_TTL = timedelta(hours=1)  # WeChat retries within about 15 s; an hour is ample
IDENTITY_PROVIDER = "wechat_oa"
SUCCESS = "success"  # WeChat's "received, no reply"
PROGRESS_WORDS = frozenset(text("inbox.progress_words").split("|"))  # what people type to ask
MAX_LISTED = 5  # a passive text reply holds at most 2048 bytes
_NONCE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{40}$")

Followup = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class CallbackQuery:
    """The query string WeChat signs; empty strings where absent."""

    signature: str = ""
    timestamp: str = ""
    nonce: str = ""
    echostr: str = ""
    encrypt_type: str = ""
    msg_signature: str = ""


@dataclass(frozen=True)
class CallbackAnswer:
    body: str
    content_type: str
    followup: Followup | None = None  # slow work to start once the answer has been sent


def _refused(exc: CallbackRejected) -> ServiceError:
    return ServiceError(exc.status, exc.code, str(exc))


class WeChatMessages:
    """Built once at start: the official account's token, safe-mode key (if any) and menu click answers."""

    def __init__(
        self,
        ctx: ServiceContext,
        client: WeChatApi | None,
        safe_mode: SafeMode | None,
        clicks: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.safe_mode = safe_mode
        self.clicks = dict(clicks or {})
        self.token = ctx.settings.wechat_token
        self.app_id = ctx.settings.wechat_app_id
        self.base_url = ctx.settings.public_base_url

    # --- checks -------------------------------------------------------------------------------

    def _check_request(self, query: CallbackQuery) -> None:
        if not (_SIGNATURE.match(query.signature) and _NONCE.match(query.nonce) and query.timestamp.isdigit()):
            raise ServiceError(403, "signature_invalid", "signature, timestamp or nonce missing or malformed")
        expected = signature(self.token, query.timestamp, query.nonce)
        if not signature_matches(expected, query.signature):
            raise ServiceError(403, "signature_invalid", "bad signature")
        now = self.ctx.real_clock().timestamp()
        sent = read_whole(query.timestamp[:12])
        if sent is None or abs(now - sent) > WINDOW.total_seconds():
            raise ServiceError(403, "timestamp_stale", "timestamp outside the 5-minute window")

    def verify_echo(self, query: CallbackQuery) -> str:
        """GET: WeChat checks the server address; echo `echostr` when the request is WeChat's."""
        self._check_request(query)
        if not query.echostr or len(query.echostr) > 128:
            raise ServiceError(400, "echostr_invalid", "echostr missing or too long")
        return query.echostr

    def _message_fields(self, query: CallbackQuery, body: bytes) -> dict[str, Any]:
        """The message's fields, parsed safely (and in safe mode decrypted) once."""
        envelope = parse_xml(body)  # DTDs and entities refused before anything else reads it
        if self.safe_mode is None:
            if query.encrypt_type == "aes":
                raise CallbackRejected(400, "safe_mode_off", "encrypted message but no EncodingAESKey configured")
            return envelope
        encrypted = text_field(envelope, "Encrypt")
        if query.encrypt_type != "aes" or not encrypted:
            raise CallbackRejected(400, "safe_mode_expected", "safe mode is configured: encrypt_type=aes expected")
        expected = signature(self.token, query.timestamp, query.nonce, encrypted)
        if not signature_matches(expected, query.msg_signature):
            raise CallbackRejected(403, "msg_signature_invalid", "bad msg_signature")
        return parse_xml(self.safe_mode.decrypt(encrypted).encode("utf-8"))

    async def _use_nonce(self, nonce: str, now: datetime) -> None:
        """A nonce is good once within the window; a repeat is a replay (403)."""
        collection = self.ctx.db[NONCES]
        try:
            await collection.insert_one({"_id": nonce, "expires_at": now + NONCE_TTL})
            return
        except DuplicateKeyError:
            pass
        # The embedded engine has no TTL monitor: an expired record may still be there; take it over once.
        old = await collection.find_one({"_id": nonce})
        if old is not None and old["expires_at"] <= now:
            taken = await collection.find_one_and_update(
                {"_id": nonce, "expires_at": old["expires_at"]}, {"$set": {"expires_at": now + NONCE_TTL}}
            )
            if taken is not None:
                return
        raise ServiceError(403, "nonce_reused", "nonce already used")

    # --- the message --------------------------------------------------------------------------

    async def receive(self, query: CallbackQuery, body: bytes) -> CallbackAnswer:
        """POST: answer one message; a retry of a message already answered gets the same answer."""
        self._check_request(query)
        try:
            fields = self._message_fields(query, body)
            message = read_message(fields)
        except CallbackRejected as exc:
            raise _refused(exc) from exc
        key = dedup_key(fields)
        now = self.ctx.real_clock()  # dedup and nonces expire in real time (TTL)
        messages = self.ctx.db[MESSAGES]
        # Answers only read (the sender's cases, texts); what changes anything is the follow-up, run
        # after the reply. So the reply is worked out first and stored with the claim, in one insert:
        # the dedup lookup-or-claim comes before the nonce guard, and a retry (even one repeating
        # its nonce) finds the claim with the very reply WeChat was given, never a second action.
        reply, followup = await self._act(message)
        try:
            await messages.insert_one({"_id": key, "reply": reply, "received_at": now, "expires_at": now + MESSAGE_TTL})
        except DuplicateKeyError:
            stored = await messages.find_one({"_id": key}, {"reply": 1})
            return self._answer(stored["reply"] if stored else SUCCESS)
        try:
            await self._use_nonce(query.nonce, now)
        except BaseException:
            # A replayed nonce must not block the genuine message.
            await messages.delete_one({"_id": key})
            raise
        return self._answer(reply, self._guarded(followup, key) if followup else None)

    def _answer(self, reply: str, followup: Followup | None = None) -> CallbackAnswer:
        if reply == SUCCESS:
            return CallbackAnswer(SUCCESS, "text/plain; charset=utf-8", followup)
        if self.safe_mode is not None:
            reply = self.safe_mode.encrypt_reply(reply, str(int(self.ctx.real_clock().timestamp())))
        return CallbackAnswer(reply, "application/xml; charset=utf-8", followup)

    def _guarded(self, followup: Followup, key: str) -> Followup:
        async def run() -> None:
            try:
                await followup()
            except Exception:  # after the reply nobody is waiting: log it, never crash the loop
                log.warning("slow work after message %s failed", key, exc_info=True)

        return run

    async def _act(self, message: BaseMessage) -> tuple[str, Followup | None]:
        """What the account answers, as a passive text reply (or `success`), and any slow work."""
        if message.type == "event":
            event = message.event
            if event in ("subscribe", "subscribe_scan"):
                return text_reply(message, self.welcome_text()), lambda: self._learn_unionid(message.source)
            if event == "click":
                return text_reply(message, await self._click_text(message)), None
            return SUCCESS, None  # unsubscribe, view, location, template results: nothing to say
        if message.type == "text" and (message.content or "").strip() in PROGRESS_WORDS:
            return text_reply(message, await self.cases_text(message.source)), None
        return text_reply(message, self.help_text()), None

    async def _click_text(self, message: BaseMessage) -> str:
        action = self.clicks.get(message.key or "", {})
        if action.get("action") == "my_cases":
            return await self.cases_text(message.source)
        if action.get("action") == "welcome":
            return self.welcome_text()
        if action.get("text"):
            return action["text"].replace("{public_base_url}", self.base_url)
        return self.help_text()

    # --- texts --------------------------------------------------------------------------------

    def welcome_text(self) -> str:
        return text("inbox.welcome", base=self.base_url)

    def help_text(self) -> str:
        return text("inbox.help", base=self.base_url)

    async def cases_text(self, openid: str) -> str:
        """The sender's cases with serial, status and a link; none: say so and link to the application."""
        # A lookup only: answers are worked out before the nonce guard, so they must change nothing
        # (a refused replay with a forged sender would otherwise create persons).
        person_id = await person_of_identity(self.ctx, IDENTITY_PROVIDER, self.app_id, openid)
        items = await views.my_cases(self.ctx, person_id) if person_id else []
        if not items:
            return text("inbox.no_cases", base=self.base_url)
        lines = [text("inbox.cases.heading", count=len(items))]
        for number, item in enumerate(items[:MAX_LISTED], 1):
            lines.append(text("inbox.cases.item", number=number, serial=item["serial"], status=item["status_label"]))
            lines.append(f"   {self.base_url}/h5/cases/{item['serial']}")
        if len(items) > MAX_LISTED:
            lines.append(text("inbox.cases.all", base=self.base_url))
        return "\n".join(lines)

    # --- slow work (after the reply) ------------------------------------------------------------

    async def _learn_unionid(self, openid: str) -> None:
        """A new follower: ask WeChat for the unionid, so the mini-program's identity links to the same person."""
        if self.client is None:
            return
        info = await self.ctx.run_blocking(call_wechat, self.client.user.get, openid)
        await person_for_identity(self.ctx, IDENTITY_PROVIDER, self.app_id, openid, info.get("unionid"))
