"""Mini-program sign-in: a wx.login code becomes our own short-lived, signed, stateless bearer token."""

from __future__ import annotations

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


class SessionTokens:
    """Signs and checks our bearer tokens; checking needs no database read."""

    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=TOKEN_SALT)
        self.ttl = ttl_seconds

    def issue(self, person_id: str) -> str:
        return self._serializer.dumps({"p": person_id})

    def person_of(self, token: str) -> str:
        try:
            payload = self._serializer.loads(token, max_age=self.ttl)
        except SignatureExpired as exc:
            raise Unauthorized("token_expired") from exc
        except BadSignature as exc:
            raise Unauthorized("token_invalid") from exc
        return payload["p"]


MAX_CODE_LENGTH = 128


def parse_code(value: Any) -> str:
    """The `code` of wx.login as the mini-program sends it: a non-empty string of at most 128 characters."""
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(400, "required", msg("error.required.mp_code"), "code")
    if len(value) > MAX_CODE_LENGTH:
        raise ServiceError(400, "too_long", msg("error.too_long.mp_code", length=MAX_CODE_LENGTH), "code")
    return value.strip()


async def sign_in_with_code(
    ctx: ServiceContext, client: WeChatApi, tokens: SessionTokens, raw_code: Any
) -> dict[str, Any]:
    """Exchange the code (off the event loop); WeChat's session_key stays here and goes nowhere."""
    code = parse_code(raw_code)
    try:
        result = await ctx.run_blocking(call_wechat, client.wxa.code_to_session, code)
    except WeChatUnavailable as exc:
        raise DependencyDown("wechat_unavailable") from exc
    except WeChatRefused as exc:
        message = CODE_ERRORS.get(exc.errcode, msg("error.wechat_code_rejected"))
        raise ServiceError(400 if exc.errcode != 45011 else 429, "wechat_code_rejected", message, "code") from exc
    person_id = await person_for_identity(ctx, "wechat_mp", client.appid, result["openid"], result.get("unionid"))
    return {"token": tokens.issue(person_id), "expires_in": tokens.ttl}
