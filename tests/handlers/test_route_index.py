"""The route table looked up by the path's first segment (handlers/base.py RouteIndex) finds, for every route and
for paths no route serves, the handler Tornado's own walk through every rule finds, with the same path arguments."""

from __future__ import annotations

from typing import Any

from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from handlers.routes import ROUTES
from tests.handlers.test_route_walk import SAMPLES, _path

ODD_PATHS = [
    "/",
    "//",
    "/favicon.ico",
    "/robots.txt",
    "/nothing/here",
    "/api/none",
    "/api",
    "/API/mp/session",
    "/h5",
    "/office",
    "/static/none.css",
    "relative",
    "/wechat/callback/",
    "/healthz/x",
    "/%E4%B8%AD",
]


def _request(method: str, path: str) -> HTTPServerRequest:
    return HTTPServerRequest(
        start_line=RequestStartLine(method, path, "HTTP/1.1"), headers=HTTPHeaders({"Host": "127.0.0.1"})
    )


def _found(delegate: Any) -> tuple[Any, Any, Any]:
    inner = getattr(delegate, "inner", delegate)  # BoundedApplication's body limit wraps most
    return inner.handler_class, inner.path_args, inner.path_kwargs


def test_every_path_finds_the_handler_tornados_walk_finds(app):
    paths = [_path(route[0], SAMPLES | {"serial": "20261122000017"}) for route in ROUTES] + ODD_PATHS
    assert len(paths) > 150
    for path in paths:
        for method in ("GET", "POST"):
            ours = app.find_handler(_request(method, path))
            walk = app.default_router.find_handler(_request(method, path))
            if walk is None:  # no rule: the default handler, both ways
                walk = app.get_handler_delegate(_request(method, path), app.settings["default_handler_class"])
            assert _found(ours) == _found(walk), path
