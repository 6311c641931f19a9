"""The part every stand-in shares: a Tornado app listening on a free port of 127.0.0.1."""

from __future__ import annotations

import socket

import tornado.httpserver
import tornado.web
from tornado.testing import bind_unused_port


class StandInPortTaken(Exception):
    """A stand-in's chosen port is in use (app.py says so and refuses to start)."""


def _bound(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port`, or StandInPortTaken (the socket closed, nothing left open)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setblocking(False)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise StandInPortTaken(f"stand-in port {port} on 127.0.0.1 cannot be used ({exc.strerror})") from exc
    return sock


class StandInServer:
    """Subclasses give `application()`; `start()` listens on the current event loop and returns the base URL."""

    port = 0
    _server: tornado.httpserver.HTTPServer | None = None

    def application(self) -> tornado.web.Application:
        raise NotImplementedError

    def start(self, sock: socket.socket | None = None, port: int = 0) -> str:
        """Listen on `sock`, else on 127.0.0.1:`port` (serve.sh's STANDIN_PORTS), else on a free port."""
        if sock is None and port:
            sock = _bound(port)
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
