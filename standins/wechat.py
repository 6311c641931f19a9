"""A stand-in of WeChat's API server on 127.0.0.1: same paths, same error codes, records what it got.

Tests (and docs/tour.md) point WECHAT_API_BASE at it, and WECHAT_OAUTH_BASE at its `connect/`.
It can be told to be down (HTTP 503, as a failing gateway answers) or busy (errcode -1, WeChat's
"system busy"). Covered: jscode2session, stable_token (tokens can be expired or invalidated by a
test), menu/create, user/info, custom, template and subscribe messages, and web OAuth (an authorisation page
a person can use in a desktop browser, and the code exchange).

For people trying the service (docs/tour.md): `/standin/` is a small page listing every message the
stand-in received and the SMS stand-in's codes and messages, with a button that hands out a `wx.login`
code; `POST /standin/login-code` (`openid=...`) answers that code as JSON, and `GET /standin/messages`
the messages as JSON, so the mini-program API can be tried with curl. With the server's demo clock given
(`state.clock`, development only: services/core/context.py DemoClock), the page also moves the service's clock
forward (`POST /standin/clock`, `by=+1d`), so the time-gated steps can be tried without waiting days.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tornado.gen
import tornado.httpserver
import tornado.web

from services.core.context import SHANGHAI, DemoClock
from services.core.phones import mask_phone
from settings import SettingsError, describe_offset, parse_clock_offset
from standins.server import StandInServer
from standins.sms import RecordingSms

TOKEN_TTL = 7200
OAUTH_CODE_TTL = 300  # WeChat: a code not used within 5 minutes expires
DEFAULT_OPENID = "o-test-worker"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes


@dataclass
class IssuedCode:
    openid: str
    unionid: str | None
    used: bool = False


@dataclass
class AccessToken:
    appid: str
    expires_at: float
    state: str = "valid"  # "valid", "expired" (42001) or "invalid" (40001: replaced by a forced refresh)


@dataclass
class OAuthCode:
    appid: str
    openid: str
    snapshot: bool
    issued_at: float
    used: bool = False


@dataclass
class WeChatState:
    apps: dict[str, str]  # appid -> secret
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    mode: str = "up"  # "up", "down" (HTTP 503) or "busy" (errcode -1)
    tokens: dict[str, AccessToken] = field(default_factory=dict)  # access token -> record
    stable: dict[str, str] = field(default_factory=dict)  # appid -> its current stable token
    oauth_codes: dict[str, OAuthCode] = field(default_factory=dict)
    unionids: dict[str, str] = field(default_factory=dict)  # openid -> unionid (user/info, OAuth)
    menus: dict[str, Any] = field(default_factory=dict)  # appid -> the last menu created
    sent: list[dict[str, Any]] = field(default_factory=list)  # custom, template and subscribe messages accepted
    send_errors: dict[str, int] = field(default_factory=dict)  # openid -> errcode to answer (43004, 45047...)
    token_delay: float = 0.0  # seconds stable_token takes (to make concurrent fetches overlap)
    reject_all_tokens: bool = False  # every token-checked call answers 40001 (a refresh cannot help)
    sms: RecordingSms | None = None  # the SMS stand-in of the server beside it (the demo), shown on /standin/
    clock: DemoClock | None = None  # the server's demo clock, moved from /standin/ (none: no control shown)
    clock_moved: Callable[[], None] | None = None  # after a move: the server's watches look at the new time

    def issue_code(self, openid: str, unionid: str | None = None) -> str:
        """What wx.login would hand the mini-program: a one-time code for this user."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = IssuedCode(openid, unionid)
        return code

    def issue_oauth_code(self, openid: str, appid: str | None = None, snapshot: bool = False) -> str:
        """What the authorisation page hands our OAuth callback for this user (first app if none given)."""
        code = secrets.token_urlsafe(16)
        self.oauth_codes[code] = OAuthCode(appid or next(iter(self.apps)), openid, snapshot, time.time())
        return code

    def issue_token(self, appid: str, force: bool = False) -> tuple[str, int]:
        """stable_token: the current token while valid; a forced refresh replaces (invalidates) it."""
        now = time.time()
        current = self.tokens.get(self.stable.get(appid, ""))
        if current and not force and current.state == "valid" and current.expires_at > now:
            return self.stable[appid], int(current.expires_at - now)
        if current and current.state == "valid":
            current.state = "invalid"
        token = "ACCESS_TOKEN_" + secrets.token_urlsafe(24)
        self.tokens[token] = AccessToken(appid, now + TOKEN_TTL)
        self.stable[appid] = token
        return token, TOKEN_TTL

    def expire_tokens(self, appid: str | None = None) -> None:
        """Make the issued tokens expire now: calls using them get 42001."""
        for record in self.tokens.values():
            if appid in (None, record.appid) and record.state == "valid":
                record.state = "expired"

    def invalidate_tokens(self, appid: str | None = None) -> None:
        """As if someone else forced a refresh: calls using the tokens get 40001."""
        for record in self.tokens.values():
            if appid in (None, record.appid):
                record.state = "invalid"

    def calls(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]


class _StandInHandler(tornado.web.RequestHandler):
    def initialize(self, state: WeChatState) -> None:
        self.state = state

    def prepare(self) -> None:
        query = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        self.state.requests.append(RecordedRequest(self.request.method, self.request.path, query, self.request.body))
        if self.state.mode == "down":
            self.set_status(503)
            self.finish("<html><body>502 Bad Gateway</body></html>")
        elif self.state.mode == "busy":
            self.reply(errcode=-1, errmsg="system error")

    def check_xsrf_cookie(self) -> None:
        pass

    def reply(self, **payload: Any) -> None:
        self.set_header("Content-Type", "application/json; encoding=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def json_body(self) -> dict[str, Any] | None:
        try:
            body = json.loads(self.request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        if not isinstance(body, dict):
            self.reply(errcode=47001, errmsg="data format error")
            return None
        return body

    def check_token(self) -> str | None:
        """The app id behind the call's access_token, or None after answering WeChat's error."""
        token = self.get_query_argument("access_token", "")
        record = self.state.tokens.get(token)
        if not token:
            self.reply(errcode=41001, errmsg="access_token missing")
        elif record is None or record.state == "invalid" or self.state.reject_all_tokens:
            self.reply(errcode=40001, errmsg="invalid credential, access_token is invalid or not latest")
        elif record.state == "expired" or record.expires_at <= time.time():
            self.reply(errcode=42001, errmsg="access_token expired")
        else:
            return record.appid
        return None

    def check_app(self, appid: str | None, secret: str | None) -> bool:
        if appid not in self.state.apps:
            self.reply(errcode=40013, errmsg="invalid appid")
            return False
        if not secrets.compare_digest(self.state.apps[appid], secret or ""):
            self.reply(errcode=40125, errmsg="invalid appsecret")
            return False
        return True


class JsCode2SessionHandler(_StandInHandler):
    """https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html"""

    def get(self) -> None:
        args = {k: self.get_query_argument(k, None) for k in ("appid", "secret", "js_code", "grant_type")}
        if not self.check_app(args["appid"], args["secret"]):
            return
        if args["grant_type"] != "authorization_code" or not args["js_code"]:
            self.reply(errcode=40002, errmsg="invalid grant_type")
            return
        issued = self.state.codes.get(args["js_code"])
        if issued is None:
            self.reply(errcode=40029, errmsg="invalid code")
        elif issued.used:
            self.reply(errcode=40163, errmsg="code been used")
        else:
            issued.used = True
            result = {"openid": issued.openid, "session_key": secrets.token_urlsafe(16)}
            if issued.unionid:
                result["unionid"] = issued.unionid
            self.reply(**result)


class StableTokenHandler(_StandInHandler):
    """https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html"""

    async def post(self) -> None:
        body = self.json_body()
        if body is None:
            return
        if body.get("grant_type") != "client_credential":
            self.reply(errcode=40002, errmsg="invalid grant_type")
            return
        if not self.check_app(body.get("appid"), body.get("secret")):
            return
        if self.state.token_delay:
            await tornado.gen.sleep(self.state.token_delay)
        token, expires_in = self.state.issue_token(body["appid"], bool(body.get("force_refresh")))
        self.reply(access_token=token, expires_in=expires_in)


class MenuCreateHandler(_StandInHandler):
    """https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html"""

    def post(self) -> None:
        appid = self.check_token()
        if appid is None:
            return
        body = self.json_body()
        if body is None:
            return
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            self.reply(errcode=40016, errmsg="invalid button size")
            return
        for button in buttons:
            subs = button.get("sub_button") or []
            if not button.get("name") or len(subs) > 5:
                self.reply(errcode=40017, errmsg="invalid button type")
                return
            for item in subs or [button]:
                kind = item.get("type")
                if kind == "view" and not str(item.get("url", "")).startswith(("http://", "https://")):
                    self.reply(errcode=40055, errmsg="invalid button url domain")
                    return
                if kind == "click" and not item.get("key"):
                    self.reply(errcode=40019, errmsg="invalid button key size")
                    return
        self.state.menus[appid] = body
        self.reply(errcode=0, errmsg="ok")


class UserInfoHandler(_StandInHandler):
    """https://developers.weixin.qq.com/doc/service/api/usermanage/userinfo/api_userinfo.html"""

    def get(self) -> None:
        if self.check_token() is None:
            return
        openid = self.get_query_argument("openid", "")
        if not openid:
            self.reply(errcode=40003, errmsg="invalid openid")
            return
        info: dict[str, Any] = {
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": int(time.time()),
        }
        if openid in self.state.unionids:
            info["unionid"] = self.state.unionids[openid]
        self.reply(**info)


class _SendHandler(_StandInHandler):
    kind = ""

    def post(self) -> None:
        if self.check_token() is None:
            return
        body = self.json_body()
        if body is None:
            return
        touser = body.get("touser", "")
        if not touser:
            self.reply(errcode=40003, errmsg="invalid openid")
            return
        errcode = self.state.send_errors.get(touser)
        if errcode:
            messages = {
                43004: "require subscribe",
                45047: "out of response count limit",
                45015: "response out of time limit",
                45009: "reach max api daily quota limit",
                43101: "user refuse to accept the msg",
                40003: "invalid openid",
                47003: "argument invalid!",
            }
            self.reply(errcode=errcode, errmsg=messages.get(errcode, "error"))
            return
        msgid = len(self.state.sent) + 1000
        self.state.sent.append({"kind": self.kind, "msgid": msgid, **body})
        self.reply(errcode=0, errmsg="ok", **({"msgid": msgid} if self.kind == "template" else {}))


class CustomSendHandler(_SendHandler):
    """https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage.html"""

    kind = "custom"


class TemplateSendHandler(_SendHandler):
    """https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.html"""

    kind = "template"


class SubscribeSendHandler(_SendHandler):
    """https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html

    Errors by openid through `send_errors` (43101 not granted, 40003, 47003...); a missing template
    id answers 40037, and a value over 20 characters 47003 (as WeChat does for `thing` values).
    """

    kind = "subscribe"

    def post(self) -> None:
        if self.check_token() is None:
            return
        body = self.json_body()
        if body is None:
            return
        touser = body.get("touser", "")
        errcode = self.state.send_errors.get(touser) if touser else 40003
        data = body.get("data")
        values = list(data.values()) if isinstance(data, dict) else []
        bad_values = not values or any(not isinstance(v, dict) or len(str(v.get("value", ""))) > 20 for v in values)
        if not errcode and not body.get("template_id"):
            errcode = 40037
        if not errcode and bad_values:
            errcode = 47003
        if errcode:
            messages = {
                43101: "user refuse to accept the msg",
                40003: "invalid openid",
                40037: "invalid template_id",
                47003: "argument invalid! data.thing1.value invalid",
            }
            self.reply(errcode=errcode, errmsg=messages.get(errcode, "error"))
            return
        msgid = len(self.state.sent) + 1000
        self.state.sent.append({"kind": self.kind, "msgid": msgid, **body})
        self.reply(errcode=0, errmsg="ok", msgid=msgid)


AUTHORIZE_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信授权（本地替身）</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}
input,button{{font-size:1.1em;padding:.5em;width:100%;box-sizing:border-box;margin:.3em 0}}
button{{background:#07c160;color:#fff;border:0;border-radius:4px}}</style></head>
<body>
<h1>微信授权</h1>
<p>stand-in of WeChat authorisation: this page is a local stand-in, not WeChat. Choose the test user
(openid) to sign in as.{snapshot_note}</p>
<form method="post" action="{action}">
<input type="hidden" name="appid" value="{appid}">
<input type="hidden" name="redirect_uri" value="{redirect_uri}">
<input type="hidden" name="scope" value="{scope}">
<input type="hidden" name="state" value="{state}">
<input type="hidden" name="snapshot" value="{snapshot}">
<label>测试用户 openid <input name="openid" value="{openid}" list="test-users" autocomplete="off"></label>
<datalist id="test-users">{options}</datalist>
<button id="authorize" type="submit">授权</button>
</form>
</body></html>
"""


class OAuthAuthorizeHandler(_StandInHandler):
    """https://developers.weixin.qq.com/doc/service/guide/h5/auth.html (step 1: the user authorises)."""

    def get(self) -> None:
        appid = self.get_query_argument("appid", "")
        redirect_uri = self.get_query_argument("redirect_uri", "")
        scope = self.get_query_argument("scope", "")
        if not self._check(appid, redirect_uri, scope, self.get_query_argument("response_type", "")):
            return
        snapshot = self.get_query_argument("snapshot", "") == "1"
        users = [DEFAULT_OPENID, "o-test-employer", "o-test-worker-2"]
        esc = html.escape
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            AUTHORIZE_PAGE.format(
                action=esc(self.request.path),
                appid=esc(appid),
                redirect_uri=esc(redirect_uri),
                scope=esc(scope),
                state=esc(self.get_query_argument("state", "")),
                snapshot="1" if snapshot else "",
                openid=esc(DEFAULT_OPENID),
                options="".join(f'<option value="{esc(u)}">' for u in users),
                snapshot_note=" （快照页模式：模拟朋友圈快照页访问者）" if snapshot else "",
            )
        )

    def post(self) -> None:
        appid = self.get_body_argument("appid", "")
        redirect_uri = self.get_body_argument("redirect_uri", "")
        if not self._check(appid, redirect_uri, self.get_body_argument("scope", ""), "code"):
            return
        openid = self.get_body_argument("openid", "").strip() or DEFAULT_OPENID
        snapshot = self.get_body_argument("snapshot", "") == "1"
        code = self.state.issue_oauth_code(openid, appid, snapshot)
        params = {"code": code}
        state = self.get_body_argument("state", "")
        if state:
            params["state"] = state
        parts = urlsplit(redirect_uri)
        query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
        self.redirect(urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")))

    def _check(self, appid: str, redirect_uri: str, scope: str, response_type: str) -> bool:
        problem = ""
        if appid not in self.state.apps:
            problem = "appid 参数错误（10003 / 40013 invalid appid）"
        elif not redirect_uri.startswith(("http://", "https://")):
            problem = "redirect_uri 参数错误（10003）"
        elif scope not in ("snsapi_base", "snsapi_userinfo"):
            problem = "scope 参数错误或没有 scope 权限（10005）"
        elif response_type != "code":
            problem = "response_type 参数错误（10004）"
        if problem:
            self.set_status(400)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>{html.escape(problem)}</p>'
            self.finish(page + "</body></html>")
            return False
        return True


class OAuthAccessTokenHandler(_StandInHandler):
    """https://developers.weixin.qq.com/doc/service/guide/h5/auth.html (step 2: code -> openid)."""

    def get(self) -> None:
        args = {k: self.get_query_argument(k, None) for k in ("appid", "secret", "code", "grant_type")}
        if not self.check_app(args["appid"], args["secret"]):
            return
        if args["grant_type"] != "authorization_code":
            self.reply(errcode=40002, errmsg="invalid grant_type")
            return
        issued = self.state.oauth_codes.get(args["code"] or "")
        if issued is None or issued.appid != args["appid"] or time.time() - issued.issued_at > OAUTH_CODE_TTL:
            self.reply(errcode=40029, errmsg="invalid code")
            return
        if issued.used:
            self.reply(errcode=40163, errmsg="code been used")
            return
        issued.used = True
        result: dict[str, Any] = {
            "access_token": "OAUTH_" + secrets.token_urlsafe(24),
            "expires_in": TOKEN_TTL,
            "refresh_token": "REFRESH_" + secrets.token_urlsafe(24),
            "openid": issued.openid,
            "scope": "snsapi_base",
        }
        if issued.snapshot:
            result["is_snapshotuser"] = 1
        elif issued.openid in self.state.unionids:
            result["unionid"] = self.state.unionids[issued.openid]
        self.reply(**result)


def _message_line(message: dict[str, Any]) -> dict[str, Any]:
    """A message WeChat accepted, as a person reads it: kind, to whom, its template and filled values, its link."""
    data = message.get("data")
    if not isinstance(data, dict):
        data = {}
    values = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in data.items()}
    if message.get("kind") == "custom":
        values = {"text": ((message.get("text") or {}).get("content", ""))}
    link = message.get("url") or message.get("page") or (message.get("miniprogram") or {}).get("pagepath", "")
    return {
        "kind": message.get("kind", ""),
        "msgid": message.get("msgid"),
        "touser": message.get("touser", ""),
        "template_id": message.get("template_id", ""),
        "values": values,
        "link": link,
    }


def _sms_lines(sms: RecordingSms | None) -> list[dict[str, Any]]:
    out = []
    for sent in sms.sent if sms is not None else []:
        out.append(
            {
                "mobile": mask_phone(sent.mobile),
                "at": sent.at.isoformat(timespec="seconds"),
                "code": sent.code,
                "purpose": sent.purpose,
                "notice": sent.notice,
                "template_id": sent.template_id,
                "values": dict(sent.params),
            }
        )
    return out


class LoginCodeHandler(_StandInHandler):
    """What `wx.login` hands a mini-program, for a developer without one: `{"code", "openid"}` (one use, 5 min)."""

    def prepare(self) -> None:  # not recorded as a WeChat call, and answers even when WeChat is "down"
        pass

    def post(self) -> None:
        openid = (self.get_argument("openid", "") or DEFAULT_OPENID).strip()[:64]
        self.reply(code=self.state.issue_code(openid), openid=openid)

    get = post


class MessagesHandler(_StandInHandler):
    """`GET /standin/messages`: what WeChat accepted (template, subscribe, custom) and what the SMS stand-in sent."""

    def prepare(self) -> None:
        pass

    def get(self) -> None:
        self.reply(wechat=[_message_line(m) for m in self.state.sent], sms=_sms_lines(self.state.sms))


PEOPLE_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信与短信替身（本地）</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse;width:100%;font-size:14px}}td,th{{border-bottom:1px solid #ddd;padding:4px;
text-align:left;vertical-align:top}}code{{background:#f4f4f4;padding:2px 4px}}.code{{font-size:1.4em;font-weight:700}}
</style></head><body>
<h1>微信与短信替身（本地）</h1>
<p>stand-in, not WeChat: this page is served by the local stand-ins of <code>--standins</code>.</p>
<h2>wx.login 登录码</h2>
<form method="post" action="/standin/login-code"><label>openid <input name="openid" value="{openid}"></label>
<button type="submit" id="login-code">获取登录码</button></form>
<p>命令行：<code>curl -X POST -d openid={openid} {base}standin/login-code</code>，再以
<code>POST /api/mp/session {{"code": "..."}}</code> 换取令牌。登录码一次有效。</p>
<h2>微信收到的消息（{wechat_count}）</h2>
<table id="wechat-messages"><tr><th>类型</th><th>接收人 openid</th><th>模板</th><th>内容</th><th>链接</th></tr>
{wechat}</table>
<h2>短信替身（{sms_count}）</h2>
<table id="sms-messages"><tr><th>时间</th><th>手机</th><th>验证码</th><th>用途</th><th>内容</th></tr>{sms}</table>
<p>JSON：<code>GET {base}standin/messages</code></p>
{clock}
</body></html>
"""

CLOCK_PART = """<h2 id="demo-clock">演示时钟（仅限开发环境）</h2>
<p>服务时钟现为 <strong id="clock-now">{now}</strong>，比实际时间快 <strong id="clock-offset">{offset}</strong>。
期限、答复期、履行检查、法院期限与保存期限按服务时钟计算；登录、验证码、签名时间窗仍按实际时间。</p>
<form method="post" action="/standin/clock"><label>拨快 <input name="by" value="+1d" size="8"></label>
<button type="submit" id="clock-move">拨快服务时钟</button>（如 +1d、+8d、+36h；只能向前，
回到实际时间请不带 <code>--clock</code> 重新启动）</form>
{error}"""


class PeoplePageHandler(_StandInHandler):
    def prepare(self) -> None:
        pass

    def get(self) -> None:
        esc = html.escape
        rows = []
        for m in reversed([_message_line(m) for m in self.state.sent]):
            values = "<br>".join(f"{esc(str(k))}：{esc(str(v))}" for k, v in m["values"].items())
            rows.append(
                f"<tr><td>{esc(m['kind'])}</td><td>{esc(m['touser'])}</td><td>{esc(m['template_id'])}</td>"
                f"<td>{values}</td><td>{esc(m['link'])}</td></tr>"
            )
        texts = []
        for s in reversed(_sms_lines(self.state.sms)):
            content = s["notice"] or "<br>".join(f"{esc(k)}：{esc(v)}" for k, v in s["values"].items())
            texts.append(
                f'<tr><td>{esc(s["at"])}</td><td>{esc(s["mobile"])}</td><td class="code">{esc(s["code"])}'
                f"</td><td>{esc(s['purpose'] or s['template_id'])}</td><td>{content}</td></tr>"
            )
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            PEOPLE_PAGE.format(
                openid=esc(DEFAULT_OPENID),
                base=esc(f"{self.request.protocol}://{self.request.host}/"),
                wechat="".join(rows),
                wechat_count=len(rows),
                sms="".join(texts),
                sms_count=len(texts),
                clock=clock_part(self.state.clock, self.get_argument("clock_error", "")),
            )
        )


def clock_part(clock: DemoClock | None, error: str) -> str:
    """The demo clock's control on /standin/: where it stands and a form that moves it forward."""
    if clock is None:
        return ""
    return CLOCK_PART.format(
        now=clock().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        offset=html.escape(describe_offset(clock.offset)),
        error=f'<p id="clock-error" style="color:#c00">{html.escape(error[:200])}</p>' if error else "",
    )


class ClockHandler(_StandInHandler):
    """`POST /standin/clock` (`by=+8d`): the server's demo clock moved forward by that much, then back to the page
    (JSON `{"offset", "now"}` to `Accept: application/json`). Only forward: what was recorded meanwhile keeps its
    later time, and a clock going back would let a deadline that has passed come back."""

    def prepare(self) -> None:  # not recorded as a WeChat call
        pass

    def post(self) -> None:
        clock = self.state.clock
        if clock is None:
            self.set_status(404)
            self.reply(error="the server runs without a demo clock (production, or no --standins)")
            return
        try:
            step = parse_clock_offset(self.get_argument("by", ""))
            if step <= timedelta(0):
                raise SettingsError("move the clock forward: +1d, +8d, +36h")
            clock.offset = parse_clock_offset(describe_offset(clock.offset + step))  # within the same bound
        except SettingsError as exc:
            if "json" in self.request.headers.get("Accept", ""):
                self.set_status(400)
                self.reply(error=str(exc))
            else:
                self.redirect("/standin/?" + urlencode({"clock_error": str(exc)}) + "#demo-clock", status=303)
            return
        if self.state.clock_moved is not None:
            self.state.clock_moved()
        if "json" in self.request.headers.get("Accept", ""):
            self.reply(offset=describe_offset(clock.offset), now=clock().isoformat(timespec="seconds"))
        else:
            self.redirect("/standin/#demo-clock", status=303)


class UnknownPathHandler(_StandInHandler):
    def get(self) -> None:
        self.reply(errcode=40066, errmsg="invalid url")

    post = get


class WeChatStandIn(StandInServer):
    """The stand-in server; `start()` listens on a free port of 127.0.0.1 on the current event loop."""

    def __init__(self, apps: dict[str, str], sms: RecordingSms | None = None) -> None:
        self.state = WeChatState(apps=dict(apps), sms=sms)

    def application(self) -> tornado.web.Application:
        kwargs = {"state": self.state}
        return tornado.web.Application(
            [
                (r"/sns/jscode2session", JsCode2SessionHandler, kwargs),
                (r"/cgi-bin/stable_token", StableTokenHandler, kwargs),
                (r"/cgi-bin/menu/create", MenuCreateHandler, kwargs),
                (r"/cgi-bin/user/info", UserInfoHandler, kwargs),
                (r"/cgi-bin/message/custom/send", CustomSendHandler, kwargs),
                (r"/cgi-bin/message/template/send", TemplateSendHandler, kwargs),
                (r"/cgi-bin/message/subscribe/send", SubscribeSendHandler, kwargs),
                (r"/connect/oauth2/authorize", OAuthAuthorizeHandler, kwargs),
                (r"/sns/oauth2/access_token", OAuthAccessTokenHandler, kwargs),
                (r"/standin/?", PeoplePageHandler, kwargs),
                (r"/standin/login-code", LoginCodeHandler, kwargs),
                (r"/standin/messages", MessagesHandler, kwargs),
                (r"/standin/clock", ClockHandler, kwargs),
                (r"/.*", UnknownPathHandler, kwargs),
            ]
        )

    @property
    def oauth_base_url(self) -> str:
        """What WECHAT_OAUTH_BASE points at (WeChat's https://open.weixin.qq.com/connect/)."""
        return self.base_url + "connect/"
