"""A stand-in of the electronic social security card platform on 127.0.0.1 (tests and docs/tour.md).

It speaks the protocol of platforms/card.py (CardPlatformClient): an authorisation page where a
tester picks a test person and confirms (standing in for the phone), the SM2-signed notification
to the channel's callback, the identity endpoint (payload SM4-encrypted with the channel key), a
status endpoint. It can be told to be down (HTTP 503) or slow (every API answer delayed).
"""

from __future__ import annotations

import asyncio
import html
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tornado.httpclient
import tornado.httpserver
import tornado.web

from platforms.card_crypto import SignatureInvalid, canonical, seal_payload, sm2_sign, sm2_verify
from settings import DEV_CARD_PLATFORM_PRIVATE_KEY, DEV_CARD_PLATFORM_PUBLIC_KEY
from standins.server import StandInServer

AUTH_CODE_TTL = 300


@dataclass(frozen=True)
class CardHolder:
    subject_id: str
    name: str
    id_type: str
    id_number: str
    card_number: str
    issuing_area: str

    def payload(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


TEST_PERSONS = (
    CardHolder("SSC-0001", "李卡", "resident_id", "310115199003071239", "A31000001", "310115"),
    CardHolder("SSC-0002", "王社保", "resident_id", "310104198511120021", "A31000002", "310104"),
    CardHolder("SSC-0003", "陈深圳", "resident_id", "440305199208153016", "B44000003", "440305"),
)


@dataclass
class Channel:
    """What the platform holds of an onboarded channel."""

    callback_url: str
    channel_key: bytes
    public_key: str  # the channel's SM2 public key: checks its identity requests


@dataclass
class AuthCode:
    channel_id: str
    person: CardHolder
    issued_at: float
    used: bool = False


@dataclass
class CardPlatformState:
    channels: dict[str, Channel]
    private_key: str = DEV_CARD_PLATFORM_PRIVATE_KEY
    public_key: str = DEV_CARD_PLATFORM_PUBLIC_KEY
    persons: tuple[CardHolder, ...] = TEST_PERSONS
    mode: str = "up"  # "up", "down" (HTTP 503 everywhere) or "slow" (API answers after `delay` seconds)
    delay: float = 0.0
    codes: dict[str, AuthCode] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)  # what was sent, with our answer
    identity_requests: int = 0

    def person(self, subject_id: str) -> CardHolder:
        return next((p for p in self.persons if p.subject_id == subject_id), self.persons[0])

    def signed_notification(
        self, channel_id: str, ticket: str, subject_id: str = "", result: str = "confirmed"
    ) -> dict[str, Any]:
        """The notification the platform sends when a person confirms (or cancels) a ticket."""
        body: dict[str, Any] = {
            "channel_id": channel_id,
            "ticket": ticket,
            "result": result,
            "timestamp": int(time.time()),
            "nonce": secrets.token_hex(16),
        }
        if result == "confirmed":
            code = secrets.token_urlsafe(18)
            self.codes[code] = AuthCode(channel_id, self.person(subject_id), time.time())
            body["auth_code"] = code
        body["sign"] = sm2_sign(self.private_key, self.public_key, canonical(body))
        return body


class _Handler(tornado.web.RequestHandler):
    def initialize(self, state: CardPlatformState) -> None:
        self.state = state

    def check_xsrf_cookie(self) -> None:
        pass

    async def prepare(self) -> None:
        if self.state.mode == "down":
            self.set_status(503)
            self.finish("<html><body>503 Service Unavailable</body></html>")
        elif self.state.mode == "slow" and self.request.path.startswith("/api/"):
            await asyncio.sleep(self.state.delay)

    def reply(self, status: int = 200, **payload: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))


class StatusHandler(_Handler):
    def get(self) -> None:
        self.reply(code="0", message="ok")


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>电子社保卡授权（本地替身）</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}
label{{display:block;padding:.6em;border:1px solid #ddd;margin:.4em 0;border-radius:4px}}
button{{font-size:1.1em;padding:.6em;width:100%;margin:.3em 0;border:0;border-radius:4px}}
#confirm{{background:#d4232b;color:#fff}}</style></head>
<body>
<h1>电子社保卡 · 授权登录</h1>
<p>stand-in of the card platform: this page stands in for the person's phone (掌上12333). Pick the
test person whose card scans the code, then confirm.</p>
{body}
</body></html>
"""


class AuthorizeHandler(_Handler):
    def get(self) -> None:
        channel_id, ticket = self.get_query_argument("channel_id", ""), self.get_query_argument("ticket", "")
        if channel_id not in self.state.channels or not ticket:
            self._page("<p id='problem'>二维码无效：未知的渠道或缺少票据</p>", 400)
            return
        esc = html.escape
        people = "".join(
            f'<label><input type="radio" name="subject_id" id="person-{esc(p.subject_id)}" '
            f'value="{esc(p.subject_id)}"{" checked" if i == 0 else ""}> '
            f"{esc(p.name)}（{esc(p.id_number[:6])}********{esc(p.id_number[-4:])}）</label>"
            for i, p in enumerate(self.state.persons)
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{esc(self.get_query_argument(k, ""))}">'
            for k in ("channel_id", "ticket", "return_url")
        )
        self._page(
            f'<form method="post" action="/authorize">{hidden}{people}'
            '<button id="confirm" name="decision" value="confirm" type="submit">确认授权登录</button>'
            '<button id="cancel" name="decision" value="cancel" type="submit">取消</button></form>'
        )

    async def post(self) -> None:
        channel_id, ticket = self.get_body_argument("channel_id", ""), self.get_body_argument("ticket", "")
        channel = self.state.channels.get(channel_id)
        if channel is None or not ticket:
            self._page("<p id='problem'>二维码无效</p>", 400)
            return
        result = "confirmed" if self.get_body_argument("decision", "") == "confirm" else "cancelled"
        subject = self.get_body_argument("subject_id", "")
        body = await asyncio.get_running_loop().run_in_executor(
            None, self.state.signed_notification, channel_id, ticket, subject, result
        )
        status, answer = await _deliver(channel.callback_url, body)
        self.state.notifications.append({"body": body, "status": status, "answer": answer})
        return_url = self.get_body_argument("return_url", "")
        if return_url.startswith(("http://", "https://")):  # the redirect flow (inside WeChat)
            parts = urlsplit(return_url)
            query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("ticket", ticket)])
            self.redirect(urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")))
            return
        said = "已确认授权，请回到电脑上的页面" if status == 200 else f"渠道未接受（{status}）"
        self._page(f"<p id='result' data-status='{status}'>{html.escape(said)}</p>")

    def _page(self, body: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(PAGE.format(body=body))


async def _deliver(url: str, body: dict[str, Any]) -> tuple[int, str]:
    client = tornado.httpclient.AsyncHTTPClient()
    try:
        response = await client.fetch(
            url,
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
            raise_error=False,
            request_timeout=30,
        )
    except OSError as exc:
        return 599, str(exc)
    return response.code, response.body.decode(errors="replace")[:500]


class IdentityHandler(_Handler):
    async def post(self) -> None:
        self.state.identity_requests += 1
        try:
            body = json.loads(self.request.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.reply(400, code="40001", message="bad request")
            return
        channel = self.state.channels.get(str(body.get("channel_id", "")))
        if channel is None:
            self.reply(403, code="40003", message="unknown channel")
            return
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, sm2_verify, channel.public_key, canonical(body), str(body.get("sign", ""))
            )
        except SignatureInvalid:
            self.reply(401, code="40004", message="bad signature")
            return
        issued = self.state.codes.get(str(body.get("auth_code", "")))
        if (
            issued is None
            or issued.used
            or issued.channel_id != body["channel_id"]
            or (time.time() - issued.issued_at > AUTH_CODE_TTL)
        ):
            self.reply(400, code="40005", message="invalid auth_code")
            return
        issued.used = True
        sealed = seal_payload(channel.channel_key, issued.person.payload(), body["channel_id"])
        self.reply(code="0", message="ok", data=sealed)


class UnknownHandler(_Handler):
    def get(self) -> None:
        self.reply(404, code="40400", message="no such path")

    post = get


class CardPlatformStandIn(StandInServer):
    """The stand-in server; `start()` listens on a free port of 127.0.0.1 on the current event loop."""

    def __init__(self, channels: dict[str, Channel]) -> None:
        self.state = CardPlatformState(channels=dict(channels))

    def application(self) -> tornado.web.Application:
        kwargs = {"state": self.state}
        return tornado.web.Application(
            [
                (r"/authorize", AuthorizeHandler, kwargs),
                (r"/api/status", StatusHandler, kwargs),
                (r"/api/identity", IdentityHandler, kwargs),
                (r"/.*", UnknownHandler, kwargs),
            ]
        )
