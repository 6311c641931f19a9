"""Mini-program sign-in: a wx.login code becomes our own short-lived, signed bearer token; sign-out ends them.

Tokens are checked by their signature; what sign-out ended is the person's `mp_signed_out_at`
(milliseconds): a token issued before it is refused. That time is read through a per-process cache
(SignOuts): the process that signed the person out refuses their old tokens at once, another
process within SIGN_OUT_CACHE_SECONDS.
"""

from __future__ import annotations

import re
import time
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from i18n import msg
from services.accounts.persons import person_for_identity
from services.core.context import ServiceContext
from services.core.errors import DependencyDown, ServiceError, Unauthorized
from wechat.client import WeChatApi, call_wechat
from wechat.errors import WeChatRefused, WeChatUnavailable

TOKEN_SALT = "mp-session-v1"

# jscode2session's error codes, as WeChat documents them, with words for the person.
CODE_ERRORS = {errcode: msg(f"error.wechat_code_rejected.{errcode}") for errcode in (40029, 40163, 45011, 40226)}


SIGN_OUT_CACHE_SECONDS = 30.0
# Our tokens as itsdangerous writes them (URL-safe base64: payload, time, signature; a "." first when compressed),
# and no longer. Its base64 decoder skips other characters, so "<token>!!!!" would check as the token: refused, and
# never remembered under a key of its own (SessionTokens._checked).
TOKEN_SHAPE = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MAX_TOKEN_LENGTH = 512


def _now_ms() -> int:
    return int(time.time() * 1000)


class SessionTokens:
    """Signs and checks our bearer tokens (the signature needs no database read; see SignOuts)."""

    def __init__(self, secret: str, ttl_seconds: int, max_checked: int = 100_000) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=TOKEN_SALT)
        self.ttl = ttl_seconds
        self.max_checked = max_checked
        # Tokens whose signature was checked: (person, issued at in ms, signed at in s). The signature is checked
        # once per token and process (12 us each time, on every request of the mini-program); its age every time.
        self._checked: dict[str, tuple[str, int, int]] = {}

    def issue(self, person_id: str) -> str:
        return self._serializer.dumps({"p": person_id, "t": _now_ms()})

    def read(self, token: str) -> tuple[str, int]:
        """(person, issued at in ms; 0 for a token made before tokens carried it); 401 if forged or expired."""
        if len(token) > MAX_TOKEN_LENGTH or not TOKEN_SHAPE.fullmatch(token):
            raise Unauthorized("token_invalid")
        known = self._checked.get(token)
        if known is None:
            known = self._check(token)
            if len(self._checked) >= self.max_checked:
                self._checked.clear()
            self._checked[token] = known
        person, issued, signed = known
        age = int(time.time()) - signed  # as itsdangerous counts it: whole seconds, not negative
        if age > self.ttl or age < 0:
            raise Unauthorized("token_expired")
        return person, issued

    def _check(self, token: str) -> tuple[str, int, int]:
        try:
            payload, signed = self._serializer.loads(token, max_age=self.ttl, return_timestamp=True)
        except SignatureExpired as exc:
            raise Unauthorized("token_expired") from exc
        except BadSignature as exc:
            raise Unauthorized("token_invalid") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("p"), str):
            raise Unauthorized("token_invalid")
        issued = payload.get("t")
        return payload["p"], issued if isinstance(issued, int) else 0, int(signed.timestamp())

    def person_of(self, token: str) -> str:
        return self.read(token)[0]


class SignOuts:
    """When each person last signed out of the mini-program (persons.mp_signed_out_at), cached per process."""

    def __init__(self, max_age: float = SIGN_OUT_CACHE_SECONDS, max_people: int = 100_000) -> None:
        self.max_age = max_age
        self.max_people = max_people
        self._known: dict[str, tuple[int, float]] = {}  # person -> (signed out at ms, read at monotonic)

    async def load(self, ctx: ServiceContext, person_id: str) -> int:
        """Read the person's sign-out time into the cache (at sign-in, so later requests need no read)."""
        doc = await ctx.db["persons"].find_one({"_id": person_id}, {"mp_signed_out_at": 1}) or {}
        return self._remember(person_id, int(doc.get("mp_signed_out_at") or 0))

    def _remember(self, person_id: str, at: int) -> int:
        if len(self._known) >= self.max_people:
            self._known.clear()
        self._known[person_id] = (at, time.monotonic())
        return at

    async def check(self, ctx: ServiceContext, person_id: str, issued_ms: int) -> None:
        """401 `token_revoked` when the token was issued before the person signed out."""
        known = self._known.get(person_id)
        at = known[0] if known and time.monotonic() - known[1] <= self.max_age else await self.load(ctx, person_id)
        if issued_ms <= at:
            raise Unauthorized("token_revoked")

    async def sign_out(self, ctx: ServiceContext, person_id: str) -> None:
        """End every mini-program token the person holds now (every device: tokens are not told apart)."""
        at = _now_ms()
        await ctx.db["persons"].update_one({"_id": person_id}, {"$max": {"mp_signed_out_at": at}})
        self._remember(person_id, at)


MAX_CODE_LENGTH = 128


def parse_code(value: Any) -> str:
    """The `code` of wx.login as the mini-program sends it: a non-empty string of at most 128 characters."""
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(400, "required", msg("error.required.mp_code"), "code")
    if len(value) > MAX_CODE_LENGTH:
        raise ServiceError(400, "too_long", msg("error.too_long.mp_code", length=MAX_CODE_LENGTH), "code")
    return value.strip()


async def sign_in_with_code(
    ctx: ServiceContext, client: WeChatApi, tokens: SessionTokens, raw_code: Any, sign_outs: SignOuts | None = None
) -> dict[str, Any]:
    """Exchange the code (off the event loop); WeChat's session_key stays here and goes nowhere."""
    code = parse_code(raw_code)
    try:
        result = await ctx.run_blocking(call_wechat, client.wxa.code_to_session, code)
    except WeChatUnavailable as exc:
        raise DependencyDown("wechat_unavailable") from exc
    except WeChatRefused as exc:
        message = CODE_ERRORS.get(exc.errcode, msg("error.wechat_code_rejected"))
        # The credential presented (the code) is refused: 401, as a bad token; WeChat's rate limit stays a 429.
        raise ServiceError(401 if exc.errcode != 45011 else 429, "wechat_code_rejected", message, "code") from exc
    person_id = await person_for_identity(ctx, "wechat_mp", client.appid, result["openid"], result.get("unionid"))
    if sign_outs is not None:
        await sign_outs.load(ctx, person_id)  # the requests that follow find it cached
    return {"token": tokens.issue(person_id), "expires_in": tokens.ttl}
