"""A cookie-keeping HTTP client for page tests that do not need a real browser."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import HTTPResponse

# WeChat's in-app browser (Android); pages send signed-out visitors elsewhere without "MicroMessenger".
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
    "Safari/537.36 MicroMessenger/8.0.50.2701(0x28003237) NetType/WIFI Language/zh_CN"
)
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


class CookieClient:
    """Keeps cookies like a browser; by default it is WeChat's browser (the H5 pages' home)."""

    def __init__(self, http_client: Any, base_url: str, user_agent: str = WECHAT_UA) -> None:
        self.http_client = http_client
        self.base_url = base_url
        self.user_agent = user_agent
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _remember(self, response: HTTPResponse) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            self.set_cookie_headers.append(header)
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if (
                    morsel.value
                    and morsel["expires"] != "Thu, 01 Jan 1970 00:00:00 GMT"
                    and "expires=Thu, 01 Jan 1970" not in header
                ):
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)

    async def get(self, url: str) -> HTTPResponse:
        target = url if url.startswith("http") else self.base_url + url
        response = await self.http_client.fetch(
            target, headers=self._headers(), follow_redirects=False, raise_error=False
        )
        self._remember(response)
        return response

    async def post(self, url: str, form: dict[str, Any], xsrf: bool = True) -> HTTPResponse:
        fields = dict(form)
        if xsrf:
            fields["_xsrf"] = self.cookies.get("_xsrf", "")
        response = await self.http_client.fetch(
            self.base_url + url,
            method="POST",
            body=urlencode(fields, doseq=True),
            headers=self._headers() | {"Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
            raise_error=False,
        )
        self._remember(response)
        return response
