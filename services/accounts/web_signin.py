"""Signing a browser in through WeChat web OAuth: per-attempt state, code exchange, safe return address."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from services.accounts.persons import person_for_identity
from services.core.context import ServiceContext
from services.core.errors import DependencyDown, ServiceError
from wechat.client import call_wechat
from wechat.errors import WeChatRefused, WeChatUnavailable
from wechat.oauth import WebOAuth

H5_HOME = "/h5/apply"


def new_state() -> str:
    return secrets.token_urlsafe(24)


def safe_next(target: str | None) -> str:
    """Only our own H5 pages may be returned to: no scheme, no host, no `//`, no backslashes."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return H5_HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/h5/") or target.startswith("//"):
        return H5_HOME
    return target


def states_match(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and secrets.compare_digest(expected, given))


async def person_from_oauth_code(ctx: ServiceContext, oauth: WebOAuth, code: str) -> str:
    """Exchange the code (off the event loop) and return the person behind the official-account openid."""
    try:
        result = await ctx.run_blocking(call_wechat, oauth.exchange_code, code)
    except WeChatUnavailable as exc:
        raise DependencyDown("wechat_unavailable") from exc
    except WeChatRefused as exc:
        raise ServiceError(400, "oauth_code_rejected") from exc
    if result.get("is_snapshotuser") == 1:
        # A snapshot-page visitor has not really authorised: WeChat gives a virtual openid.
        raise ServiceError(403, "snapshot_user")
    return await person_for_identity(ctx, "wechat_oa", oauth.app_id, result["openid"], result.get("unionid"))
