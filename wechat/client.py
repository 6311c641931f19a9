"""wechatpy's client with every URL routed through one configurable base (real WeChat or a stand-in).

wechatpy hard-codes https://api.weixin.qq.com/ in each API area and asks for an access token on
every call, even for calls that take none (jscode2session); both are corrected here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from wechat.errors import WeChatRefused, WeChatUnavailable

if TYPE_CHECKING:
    from wechat.tokens import ThreadTokenBridge

WECHAT_PUBLIC_BASE = "https://api.weixin.qq.com/"

# Endpoints that authenticate with appid/secret or a code, not with an access token.
_TOKENLESS_ENDPOINTS = ("sns/jscode2session",)

# Codes meaning "the token you sent is not (or no longer) valid": refresh once and retry.
TOKEN_ERRCODES = (40001, 40014, 42001)


class WeChatApi(WeChatClient):  # type: ignore[misc]  # wechatpy has no type information
    """A wechatpy client whose every request goes to `api_base` (synchronous: call from a thread).

    The access token is the one shared by every process (`tokens`, a bridge to the async token
    service on the server's loop), never wechatpy's own per-process `cgi-bin/token` fetch.
    """

    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str,
        timeout: float = 5.0,
        tokens: ThreadTokenBridge | None = None,
        **kwargs: Any,
    ) -> None:
        # wechatpy's auto_retry re-fetches through cgi-bin/token and retries without limit: ours does it once.
        super().__init__(appid, secret, timeout=timeout, auto_retry=False, **kwargs)
        self.api_base = api_base if api_base.endswith("/") else api_base + "/"
        self.tokens = tokens

    def _tokens(self) -> ThreadTokenBridge:
        if self.tokens is None:
            raise RuntimeError(f"no shared access token source for {self.appid}")
        return self.tokens

    @property
    def access_token(self) -> str:
        return self._tokens().get(self.appid)

    def fetch_access_token(self) -> Any:
        raise RuntimeError("access tokens come from the shared token service (cgi-bin/stable_token)")

    def _rebase(self, url: str) -> str:
        if url.startswith(WECHAT_PUBLIC_BASE):
            return self.api_base + url[len(WECHAT_PUBLIC_BASE) :]
        return url

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        if not url_or_endpoint.startswith(("http://", "https://")):
            base = kwargs.pop("api_base_url", self.API_BASE_URL)
            url_or_endpoint = base + url_or_endpoint
        url = self._rebase(url_or_endpoint)
        params = kwargs.setdefault("params", {})
        if url.startswith(self.api_base) and url[len(self.api_base) :].startswith(_TOKENLESS_ENDPOINTS):
            # requests drops None-valued params: no access_token is fetched or sent.
            params["access_token"] = None
            return super()._request(method, url, **kwargs)
        if params.get("access_token"):  # a caller-supplied token: not ours to refresh
            return super()._request(method, url, **kwargs)
        used = params["access_token"] = self.access_token
        try:
            return super()._request(method, url, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
        # The token was invalidated (another caller forced a refresh, or it expired early): once.
        params["access_token"] = self._tokens().refresh(self.appid, used)
        return super()._request(method, url, **kwargs)


def call_wechat(func: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one wechatpy call, translating its failures into ours (runs inside a worker thread): WeChat's JSON answer."""
    try:
        answer: dict[str, Any] = func(*args, **kwargs)
        return answer
    except requests.RequestException as exc:
        raise WeChatUnavailable(str(exc)) from exc
    except WeChatClientException as exc:
        if exc.errcode is None:  # HTTP-level failure, wechatpy gives no errcode
            raise WeChatUnavailable(str(exc)) from exc
        if exc.errcode == -1:  # "system busy" per WeChat's global return codes
            raise WeChatUnavailable(exc.errmsg) from exc
        raise WeChatRefused(exc.errcode, exc.errmsg) from exc
