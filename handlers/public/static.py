"""Static files: versioned addresses cached for a year (the version changes with the content), and the favicon."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import tornado.web

from handlers.access import public

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
YEAR = 365 * 24 * 3600


class StaticFiles(tornado.web.StaticFileHandler):
    """`static_url(...)` adds `?v=<hash of the content>`: such an address never changes its bytes, so a phone keeps
    it for a year without asking again (immutable); an address without the version is checked each time."""

    @public
    async def get(self, path: str, include_body: bool = True) -> None:
        await super().get(path, include_body)

    @public
    def head(self, path: str) -> Awaitable[None]:
        return self.get(path, include_body=False)

    def set_extra_headers(self, path: str) -> None:
        if self.get_query_argument("v", ""):
            self.set_header("Cache-Control", f"public, max-age={YEAR}, immutable")
        else:
            self.set_header("Cache-Control", "no-cache")

    def check_xsrf_cookie(self) -> None:
        """Nothing here changes anything: a POST is simply not a method of it (405), whatever its token."""

    def write_error(self, status_code: int, **kwargs: object) -> None:
        if status_code == 405:  # RFC 9110 §15.5.6: say what would have worked
            self.set_header("Allow", "GET, HEAD")
        super().write_error(status_code, **kwargs)

    def get_cache_time(self, path: str, modified: object, mime_type: str) -> int:
        return 0  # the Cache-Control above says it all (Tornado would add its own Expires)


routes = [(r"/(?P<path>favicon\.ico)", StaticFiles, {"path": str(STATIC_DIR)})]
