"""A stand-in of WeChat's API server on 127.0.0.1: same paths, same error codes, records what it got.

Tests (and later the README's demo) point WECHAT_API_BASE at it. It can be told to be down
(HTTP 503, as a failing gateway answers) or busy (errcode -1, WeChat's "system busy").
"""

from __future__ import annotations

import json
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.web
from tornado.testing import bind_unused_port


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
class WeChatState:
    apps: dict[str, str]  # appid -> secret
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    mode: str = "up"  # "up", "down" (HTTP 503) or "busy" (errcode -1)

    def issue_code(self, openid: str, unionid: str | None = None) -> str:
        """What wx.login would hand the mini-program: a one-time code for this user."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = IssuedCode(openid, unionid)
        return code

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


class UnknownPathHandler(_StandInHandler):
    def get(self) -> None:
        self.reply(errcode=40066, errmsg="invalid url")

    post = get


class WeChatStandIn:
    """The stand-in server; `start()` listens on a free port of 127.0.0.1 on the current event loop."""

    def __init__(self, apps: dict[str, str]) -> None:
        self.state = WeChatState(apps=dict(apps))
        self.port = 0
        self._server: tornado.httpserver.HTTPServer | None = None

    def application(self) -> tornado.web.Application:
        kwargs = {"state": self.state}
        return tornado.web.Application(
            [(r"/sns/jscode2session", JsCode2SessionHandler, kwargs), (r"/.*", UnknownPathHandler, kwargs)]
        )

    def start(self, sock: socket.socket | None = None) -> str:
        if sock is None:
            sock, self.port = bind_unused_port()
        else:
            self.port = sock.getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(self.application())
        self._server.add_sockets([sock])
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
