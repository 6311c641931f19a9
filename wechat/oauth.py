"""WeChat web OAuth (snsapi_base) for the H5 pages, through wechatpy, with our base URLs and a timeout.

wechatpy's WeChatOAuth fixes `state` when it is built, so an object is made per attempt
(docs/stack-notes.md#wechat-and-wechatpy-1818).
"""

from __future__ import annotations

from typing import Any

from wechatpy.oauth import WeChatOAuth


class _OAuth(WeChatOAuth):  # type: ignore[misc]  # wechatpy has no type information
    def __init__(self, *args: Any, api_base: str, oauth_base: str, timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.API_BASE_URL = api_base
        self.OAUTH_BASE_URL = oauth_base
        self._timeout = timeout

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)  # wechatpy sets none: a silent WeChat would hang a thread
        return super()._request(method, url_or_endpoint, **kwargs)


class WebOAuth:
    """Builds the authorisation address and exchanges the code (blocking: call from a worker thread)."""

    def __init__(self, app_id: str, secret: str, api_base: str, oauth_base: str, timeout: float = 5.0) -> None:
        self.app_id = app_id
        self._secret = secret
        self._api_base = api_base if api_base.endswith("/") else api_base + "/"
        self._oauth_base = oauth_base if oauth_base.endswith("/") else oauth_base + "/"
        self._timeout = timeout

    def _client(self, redirect_uri: str = "", state: str = "") -> _OAuth:
        return _OAuth(
            self.app_id,
            self._secret,
            redirect_uri,
            "snsapi_base",
            state,
            api_base=self._api_base,
            oauth_base=self._oauth_base,
            timeout=self._timeout,
        )

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        url: str = self._client(redirect_uri, state).authorize_url
        return url

    def exchange_code(self, code: str) -> dict[str, Any]:
        """WeChat's answer to the code: openid (and unionid, is_snapshotuser where given)."""
        answer: dict[str, Any] = self._client().fetch_access_token(code)
        return answer
