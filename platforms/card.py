"""The electronic social security card platform's HTTP protocol: our client, and the vocabulary it speaks.

The flow that uses it (login tickets, linking identities) is services/accounts/card_signin.py; the
stand-in speaking the same protocol is standins/card_platform.py.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from platforms import RunBlocking
from platforms.card_crypto import SignatureInvalid, canonical, open_payload, sm2_sign, sm2_verify
from settings import CardPlatformSettings


@dataclass(frozen=True)
class CardIdentity:
    """The verified identity the platform releases for one confirmed authorisation."""

    subject_id: str  # the platform's stable id of the person (survives a reissued card)
    name: str
    id_type: str
    id_number: str
    card_number: str
    issuing_area: str  # GB/T 2260 code of the issuing area


@dataclass(frozen=True)
class Notification:
    ticket: str
    result: str  # "confirmed" or "cancelled"
    auth_code: str


class NotificationRefused(Exception):
    """A notification that changes nothing: bad signature, foreign channel, unknown, expired or used ticket."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class PlatformUnavailable(Exception):
    """The platform did not answer (down, slow, or an answer that is not its protocol)."""


def _text(body: dict[str, Any], name: str) -> str:
    """A notification's text field; "" where it is absent or not text."""
    value = body.get(name)
    return value if isinstance(value, str) else ""


class CardPlatformClient:
    """The platform's HTTP protocol (the stand-in in standins/card_platform.py speaks the same).

    - authorisation page: GET {base}authorize?channel_id&ticket[&return_url]
    - notification to us: POST JSON {channel_id, ticket, result, auth_code, timestamp, nonce, sign}
    - identity: POST {base}api/identity JSON {channel_id, auth_code, timestamp, nonce, sign}
      → {code: "0", data: base64(SM4-GCM(JSON identity), channel id as associated data)}
    - status: GET {base}api/status → {code: "0"}
    `sign` is SM2 over SM3 of `canonical(fields)`, base64 DER. SM2 and HTTP run through `run_blocking`.
    """

    def __init__(self, settings: CardPlatformSettings, run_blocking: RunBlocking) -> None:
        self.settings = settings
        self.platform_id = settings.platform_id
        self._run = run_blocking
        self._status: tuple[float, bool] | None = None  # (checked at, answer), cached per process

    def authorize_url(self, ticket: str, return_url: str | None = None) -> str:
        query = {"channel_id": self.settings.channel_id, "ticket": ticket}
        if return_url:
            query["return_url"] = return_url
        return f"{self.settings.base_url}authorize?{urlencode(query)}"

    def forget_status(self) -> None:
        self._status = None

    async def available(self) -> bool:
        """Whether the platform answers its status call quickly; cached a few seconds per process."""
        now = time.monotonic()
        if self._status and now - self._status[0] < self.settings.status_cache_seconds:
            return self._status[1]
        try:
            reply = await self._run(self._get, "api/status", self.settings.status_timeout_seconds)
            ok = reply.get("code") == "0"
        except PlatformUnavailable:
            ok = False
        self._status = (time.monotonic(), ok)
        return ok

    async def check_notification(self, body: dict[str, Any]) -> Notification:
        required = ("channel_id", "ticket", "result", "nonce", "sign")
        channel_id, ticket, result, nonce, sign = (_text(body, name) for name in required)
        auth_code, timestamp = _text(body, "auth_code"), body.get("timestamp")
        if not (channel_id and ticket and result and nonce and sign):
            raise NotificationRefused(400, "notification_malformed", "notification lacks required fields")
        if result not in ("confirmed", "cancelled") or not isinstance(timestamp, int):
            raise NotificationRefused(400, "notification_malformed", "notification fields are not the protocol's")
        if result == "confirmed" and not auth_code:
            raise NotificationRefused(400, "notification_malformed", "confirmed without auth_code")
        if not secrets.compare_digest(channel_id, self.settings.channel_id):
            raise NotificationRefused(403, "foreign_channel", "notification for another channel")
        signed = {k: v for k, v in body.items() if k != "sign"}
        try:
            await self._run(sm2_verify, self.settings.platform_public_key, canonical(signed), sign)
        except SignatureInvalid as exc:
            raise NotificationRefused(401, "bad_signature", "signature does not verify") from exc
        if abs(time.time() - timestamp) > self.settings.clock_skew_seconds:
            raise NotificationRefused(401, "notification_stale", "timestamp outside the accepted window")
        return Notification(ticket, result, auth_code)

    async def fetch_identity(self, auth_code: str) -> CardIdentity:
        request = {
            "channel_id": self.settings.channel_id,
            "auth_code": auth_code,
            "timestamp": int(time.time()),
            "nonce": secrets.token_hex(16),
        }
        request["sign"] = await self._run(
            sm2_sign, self.settings.private_key, self.settings.public_key, canonical(request)
        )
        reply = await self._run(self._post, "api/identity", request)
        if reply.get("code") != "0" or not isinstance(reply.get("data"), str):
            raise ValueError(f"identity refused: {reply.get('code')}")
        data = open_payload(self.settings.channel_key, reply["data"], self.settings.channel_id)
        try:
            return CardIdentity(**{k: str(data[k]) for k in CardIdentity.__dataclass_fields__})
        except KeyError as exc:
            raise ValueError(f"identity payload lacks {exc}") from None

    def _get(self, path: str, timeout: float) -> dict[str, Any]:
        return self._reply(lambda: requests.get(self.settings.base_url + path, timeout=timeout))

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url, timeout = self.settings.base_url + path, self.settings.timeout_seconds
        return self._reply(lambda: requests.post(url, json=body, timeout=timeout))

    @staticmethod
    def _reply(call: Callable[[], requests.Response]) -> dict[str, Any]:
        try:
            response = call()
        except requests.RequestException as exc:  # refused, timed out (slow), reset
            raise PlatformUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            raise PlatformUnavailable(f"HTTP {response.status_code}")
        try:
            reply = response.json()
        except ValueError as exc:
            raise PlatformUnavailable("answer is not JSON") from exc
        if not isinstance(reply, dict):
            raise PlatformUnavailable("answer is not an object")
        return reply
