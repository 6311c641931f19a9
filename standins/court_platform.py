"""A stand-in of a court's (or an arbitration institute's) mediation platform on 127.0.0.1: the tests' and the demo's
partner, speaking the docking protocol (docs/contracts.md#signing-both-directions) both ways (platforms/court.py
signs and checks for both sides).

It signs and sends delegations to our server (`delegate`, `withdraw`, `state`), receives our events, joint
applications and roster proposals and checks their signatures (a bad, stale or replayed one is a 401 here too),
keeps what it received (each `event_id` once, repeats counted), confirms roster entries and rules on applications
(by a call, or at once with `auto_confirm_roster`), and can be told to fail (HTTP 503) or to be slow. Its page
(`GET /`) lets a newcomer delegate a case and watch the answers come back.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import tornado.httpclient
import tornado.web

from platforms.court import (
    NONCE_HEADER,
    NONCE_SECONDS,
    PARTNER_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WINDOW_SECONDS,
    json_bytes,
    signature_matches,
    signed_headers,
)
from standins.server import StandInServer

SAMPLE_PARTIES = [
    {
        "role": "applicant",
        "kind": "person",
        "name": "王五",
        "id_type": "resident_id",
        "id_number": "31011519920815031X",
        "phone": "13812340001",
        "address": "上海市浦东新区张江路1号",
        "service_address": "上海市浦东新区张江路1号2室",
    },
    {
        "role": "respondent",
        "kind": "organisation",
        "name": "上海某某物流有限公司",
        "uscc": "91310101MA1K4ABCD4",
        "legal_representative_name": "周五",
        "phone": "13912340002",
        "address": "上海市浦东新区川沙路200号",
    },
]


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    at: float  # time.time() when it arrived


@dataclass
class CourtPlatformState:
    partner_id: str  # who the platform is (X-Docking-Partner of its calls to us)
    key: bytes  # the shared key
    caller_id: str  # who calls it (our self_id)
    target_base: str = ""  # our server: where delegations go
    mode: str = "up"  # "up", "down" (503 to everything we send) or "slow" (answers after `delay` seconds)
    delay: float = 0.0
    auto_confirm_roster: bool = False
    events: dict[str, Received] = field(default_factory=dict)  # event_id -> the first delivery
    repeats: int = 0  # deliveries of an event_id already received
    refused: int = 0  # requests whose signature did not check
    confirmations: dict[str, Received] = field(default_factory=dict)
    roster: dict[str, dict[str, Any]] = field(default_factory=dict)  # entry_id -> entry as proposed
    delegations: dict[str, dict[str, Any]] = field(default_factory=dict)  # our number -> {serial, status, ...}
    nonces: dict[str, float] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def events_of(self, case_no: str) -> list[dict[str, Any]]:
        return [
            r.body for r in sorted(self.events.values(), key=lambda r: r.at) if r.body.get("partner_case_no") == case_no
        ]

    def check(self, request: tornado.httputil.HTTPServerRequest) -> str:
        """'' when the request is ours, signed, fresh and new; else why not."""
        headers = request.headers
        timestamp, nonce = headers.get(TIMESTAMP_HEADER, ""), headers.get(NONCE_HEADER, "")
        if headers.get(PARTNER_HEADER) != self.caller_id:
            return "unknown caller"
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
            return "stale"
        if not signature_matches(
            self.key,
            headers.get(SIGNATURE_HEADER, ""),
            request.method or "",
            request.uri or "",
            timestamp,
            nonce,
            request.body,
        ):
            return "bad signature"
        now = time.time()
        self.nonces = {n: t for n, t in self.nonces.items() if now - t < NONCE_SECONDS}
        if nonce in self.nonces:
            return "replayed"
        self.nonces[nonce] = now
        return ""


class _Receiver(tornado.web.RequestHandler):
    """Our calls to the platform: checked, recorded, answered (or failed, or slow, as told)."""

    def initialize(self, state: CourtPlatformState, what: str) -> None:
        self.state, self.what = state, what

    def check_xsrf_cookie(self) -> None:
        pass

    def reply(self, status: int, **body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    async def post(self) -> None:
        state = self.state
        if state.mode == "down":
            self.reply(503, error={"code": "down", "message": "系统维护中"})
            return
        if state.mode == "slow":
            await asyncio.sleep(state.delay)
        problem = state.check(self.request)
        if problem:
            state.refused += 1
            self.reply(401, error={"code": "bad_signature", "message": problem})
            return
        try:
            body = json.loads(self.request.body)
        except ValueError:
            self.reply(400, error={"code": "malformed_json", "message": "not JSON"})
            return
        received = Received(self.what, body, time.time())
        if self.what == "mediation-events":
            if body.get("event_id") in state.events:
                state.repeats += 1
            else:
                state.events[body["event_id"]] = received
                known = state.delegations.setdefault(body.get("partner_case_no", ""), {})
                known.update(
                    serial=body.get("serial"),
                    last_event=body.get("type"),
                    outcome=body.get("outcome"),
                    answer=body.get("answer") or known.get("answer"),
                )
                state.log.append(f"{body.get('type')} {body.get('partner_case_no')}")
        elif self.what == "judicial-confirmations":
            state.confirmations.setdefault(body["id"], received)
            state.log.append(f"{body.get('type')} {body.get('serial')}")
        else:
            for entry in body.get("entries") or []:
                state.roster[entry["entry_id"]] = entry | {"decision": None}
            state.log.append(f"roster {len(body.get('entries') or [])}")
            if state.auto_confirm_roster:
                entries = [e["entry_id"] for e in body.get("entries") or []]
                asyncio.get_running_loop().create_task(self.application.settings["standin"].confirm_all(entries))
        self.reply(200, received=True)


class _Page(tornado.web.RequestHandler):
    """The newcomer's page: delegate a case, watch the answers and results come back, decide what comes in."""

    def initialize(self, state: CourtPlatformState) -> None:
        self.state = state

    def check_xsrf_cookie(self) -> None:
        pass

    def get(self) -> None:
        state, esc = self.state, html.escape
        our = state.target_base.rstrip("/")
        rows = "".join(
            f"<tr><td>{esc(no)}</td><td><a href='{esc(our)}/office/cases/{esc(str(d.get('serial') or ''))}'>"
            f"{esc(str(d.get('serial') or ''))}</a></td><td>{esc(str(d.get('status') or ''))}</td>"
            f"<td class='last-event'>{esc(str(d.get('last_event') or ''))} {esc(str(d.get('answer') or ''))} "
            f"{esc(str(d.get('outcome') or ''))}</td></tr>"
            for no, d in state.delegations.items()
        )
        events = "".join(
            f"<li>{esc(r.body.get('type', ''))} · {esc(r.body.get('partner_case_no', ''))} · "
            f"{esc(str(r.body.get('at', '')))}</li>"
            for r in sorted(state.events.values(), key=lambda r: -r.at)
        )
        roster = "".join(
            f"<li>{esc(e.get('name', ''))}（{esc(e.get('type', ''))}）：{esc(str(e.get('decision') or '待确认'))} "
            + "".join(
                f"<form method='post' action='/ui/roster/{esc(i)}/{d}' class='inline'><button "
                f"id='roster-{d}-{esc(i)}'>{label}</button></form>"
                for d, label in (("confirmed", "确认"), ("rejected", "不予确认"))
                if not e.get("decision")
            )
            + "</li>"
            for i, e in state.roster.items()
        )
        confirmations = "".join(
            f"<li>{esc(r.body.get('type', ''))} · 案件 {esc(r.body.get('serial', ''))}："
            f"{esc(str(r.body.get('decision') or '待裁定'))} "
            + "".join(
                f"<form method='post' action='/ui/confirmations/{esc(i)}/{d}' class='inline'><button "
                f"id='confirmation-{d}-{esc(i)}'>{label}</button></form>"
                for d, label in (("confirmed", "裁定确认有效"), ("rejected", "驳回"))
                if not r.body.get("decision")
            )
            + "</li>"
            for i, r in state.confirmations.items()
        )
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            PAGE.format(
                partner=esc(state.partner_id),
                mode=esc(state.mode),
                rows=rows or "<tr><td colspan=4>尚未委派</td></tr>",
                events=events or "<li>尚无</li>",
                roster=roster or "<li>尚无</li>",
                confirmations=confirmations or "<li>尚无</li>",
                case_no=esc(f"(2026)沪0115民诉前调{int(time.time()) % 100000}号"),
            )
        )


class _Action(tornado.web.RequestHandler):
    def initialize(self, state: CourtPlatformState) -> None:
        self.state = state

    def check_xsrf_cookie(self) -> None:
        pass

    async def post(self, what: str = "", ident: str = "", decision: str = "") -> None:
        standin: CourtPlatformStandIn = self.application.settings["standin"]
        arg = self.get_body_argument
        if what == "delegate":
            body = sample_delegation(
                arg("partner_case_no", ""),
                arg("claims", ""),
                arg("amount", "0"),
                arg("region_code", "310115"),
                self.state.partner_id,
            )
            await standin.delegate(body)
        elif what == "roster":
            await standin.decide_roster(ident, decision)
        elif what == "confirmations":
            await standin.decide_confirmation(ident, decision, reason="" if decision == "confirmed" else "协议内容违法")
        elif what == "mode":
            self.state.mode = arg("mode", "up") if arg("mode", "up") in ("up", "down", "slow") else "up"
            self.state.delay = 3.0 if self.state.mode == "slow" else 0.0
        self.redirect("/")


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>法院调解平台（本地替身）</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em}} .inline{{display:inline}} input{{margin:.2em}}</style></head>
<body><h1>法院调解平台 · 本地替身（{partner}）</h1>
<p>stand-in of a court's mediation platform: it delegates cases to the mediation service, receives its answers and
results, confirms roster entries and rules on judicial confirmations. This page refreshes itself. State: {mode}.</p>
<h2>委派一个案件</h2>
<form method="post" action="/ui/delegate" id="delegate-form">
 案号 <input name="partner_case_no" id="case-no" value="{case_no}" size="32"><br>
 行政区划 <input name="region_code" value="310115" size="9"> 金额 <input name="amount" value="12000.00" size="10"><br>
 请求 <input name="claims" value="支付2026年8月至10月工资12000元" size="50"><br>
 <button id="delegate">委派调解</button></form>
<h2>已委派</h2><table id="delegations">
<tr><th>案号</th><th>调解平台流水号</th><th>状态</th><th>最新消息</th></tr>{rows}</table>
<h2>收到的消息</h2><ul id="events">{events}</ul>
<h2>特邀调解名册</h2><ul id="roster">{roster}</ul>
<h2>司法确认申请</h2><ul id="confirmations">{confirmations}</ul>
<form method="post" action="/ui/mode">系统状态 <select name="mode"><option>up</option><option>down</option>
<option>slow</option></select><button>设置</button></form>
</body></html>
"""


def sample_delegation(
    case_no: str, claims: str = "", amount: str = "12000.00", region_code: str = "310115", partner_id: str = ""
) -> dict[str, Any]:
    """The delegation the page sends: the sample parties, the newcomer's case number, claims and amount."""
    return {
        "partner_case_no": case_no or f"(2026)沪0115民诉前调{int(time.time()) % 100000}号",
        "type": "arbitration" if "arbitration" in partner_id else "pre_filing",
        "delegated_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)),
        "region_code": region_code or "310115",
        "parties": [dict(p) for p in SAMPLE_PARTIES],
        "dispute": {
            "cause": "追索劳动报酬纠纷",
            "summary": "申请人入职后，被申请人拖欠工资。",
            "claims": claims or "支付拖欠工资",
            "amount": amount or "0",
        },
        "documents": [],
        "consent_to_mediation": True,
        "contact": {"name": "立案庭", "phone": "021-50000000"},
    }


class CourtPlatformStandIn(StandInServer):
    """The stand-in server; `start()` listens on a free port of 127.0.0.1 on the current event loop.

    `prefix` is the path under which it receives our calls (the partner's `callback_base` path, e.g. /docking/)."""

    def __init__(
        self, partner_id: str, key: bytes, caller_id: str, target_base: str = "", prefix: str = "/docking/"
    ) -> None:
        self.state = CourtPlatformState(partner_id, key, caller_id, target_base)
        self.prefix = "/" + prefix.strip("/") + "/"

    @property
    def callback_base(self) -> str:
        return self.base_url.rstrip("/") + self.prefix

    def application(self) -> tornado.web.Application:
        state = {"state": self.state}
        receivers = [
            (rf"{self.prefix}{what}", _Receiver, {"state": self.state, "what": what})
            for what in ("mediation-events", "judicial-confirmations", "roster")
        ]
        return tornado.web.Application(
            [
                *receivers,
                (r"/", _Page, state),
                (r"/ui/(delegate|mode)", _Action, state),
                (r"/ui/(roster|confirmations)/([0-9a-f]{32})/(confirmed|rejected|removed)", _Action, state),
            ],
            standin=self,
        )

    # --- the platform calling us ------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """A signed request to our server: (status, JSON answer). `headers` replace the signed ones (tests)."""
        data = raw if raw is not None else (json_bytes(body) if body is not None else b"")
        signed = signed_headers(
            self.state.partner_id,
            self.state.key,
            method,
            urlsplit(path).path + (f"?{urlsplit(path).query}" if urlsplit(path).query else ""),
            data,
        )
        sent = {"Content-Type": "application/json; charset=utf-8", **signed, **(headers or {})}
        request = tornado.httpclient.HTTPRequest(
            self.state.target_base.rstrip("/") + path,
            method=method,
            headers=sent,
            body=data if method in ("POST", "PUT") else None,
            request_timeout=60,
        )
        response = await tornado.httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        try:
            answer = json.loads(response.body or b"{}")
        except ValueError:
            answer = {"raw": response.body.decode(errors="replace")[:500]}
        return response.code, answer if isinstance(answer, dict) else {"value": answer}

    async def delegate(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, answer = await self.call("POST", "/api/docking/delegations", body)
        if status in (200, 201):
            self.state.delegations.setdefault(body["partner_case_no"], {}).update(
                serial=answer.get("serial"), status=answer.get("status"), answer_due=answer.get("answer_due")
            )
        self.state.log.append(f"delegate {body.get('partner_case_no')} -> {status}")
        return status, answer

    async def state_of(self, case_no: str) -> tuple[int, dict[str, Any]]:
        return await self.call("GET", f"/api/docking/delegations/{quote(case_no, safe='')}")

    async def withdraw(self, case_no: str, reason: str = "") -> tuple[int, dict[str, Any]]:
        return await self.call(
            "POST",
            f"/api/docking/delegations/{quote(case_no, safe='')}/withdraw",
            {"reason": reason} if reason else None,
        )

    async def decide_roster(self, entry_id: str, decision: str, reason: str = "") -> tuple[int, dict[str, Any]]:
        body = {"decision": decision, "decided_at": _now(), "reason": reason}
        status, answer = await self.call("POST", f"/api/docking/roster/{entry_id}/decision", body)
        if status == 200 and entry_id in self.state.roster:
            self.state.roster[entry_id]["decision"] = decision
        return status, answer

    async def confirm_all(self, entry_ids: list[str]) -> None:
        await asyncio.sleep(0.05)  # after our answer to the proposal has gone back
        for entry_id in entry_ids:
            await self.decide_roster(entry_id, "confirmed")

    async def decide_confirmation(
        self, confirmation_id: str, decision: str, ruling_no: str = "", reason: str = ""
    ) -> tuple[int, dict[str, Any]]:
        body = {
            "decision": decision,
            "ruling_no": ruling_no or f"(2027)沪0115民特{int(time.time()) % 1000}号",
            "decided_at": _now(),
            "reason": reason,
        }
        status, answer = await self.call(
            "POST", f"/api/docking/judicial-confirmations/{confirmation_id}/decision", body
        )
        if status == 200 and confirmation_id in self.state.confirmations:
            self.state.confirmations[confirmation_id].body["decision"] = decision
        return status, answer


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))
