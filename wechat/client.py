"""wechatpy's client with every URL routed through one configurable base (real WeChat or a stand-in).

wechatpy hard-codes https://api.weixin.qq.com/ in each API area and asks for an access token on
every call, even for calls that take none (jscode2session); both are corrected here, in one place.
"""

from __future__ import annotations

from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

WECHAT_PUBLIC_BASE = "https://api.weixin.qq.com/"

# Endpoints that authenticate with appid/secret or a code, not with an access token.
_TOKENLESS_ENDPOINTS = ("sns/jscode2session",)


class WeChatUnavailable(Exception):
    """WeChat did not answer (network, timeout, HTTP error): the caller says 503."""


class WeChatRefused(Exception):
    """WeChat answered with an error code."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApi(WeChatClient):
    """A wechatpy client whose every request goes to `api_base` (synchronous: call from a thread)."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float = 5.0, **kwargs: Any) -> None:
        super().__init__(appid, secret, timeout=timeout, **kwargs)
        self.api_base = api_base if api_base.endswith("/") else api_base + "/"

    def _rebase(self, url: str) -> str:
        if url.startswith(WECHAT_PUBLIC_BASE):
            return self.api_base + url[len(WECHAT_PUBLIC_BASE) :]
        return url

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        if not url_or_endpoint.startswith(("http://", "https://")):
            base = kwargs.pop("api_base_url", self.API_BASE_URL)
            url_or_endpoint = base + url_or_endpoint
        url = self._rebase(url_or_endpoint)
        if url.startswith(self.api_base) and url[len(self.api_base) :].startswith(_TOKENLESS_ENDPOINTS):
            # requests drops None-valued params: no access_token is fetched or sent.
            kwargs.setdefault("params", {})["access_token"] = None
        return super()._request(method, url, **kwargs)


def call_wechat(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one wechatpy call, translating its failures into ours (runs inside a worker thread)."""
    try:
        return func(*args, **kwargs)
    except requests.RequestException as exc:
        raise WeChatUnavailable(str(exc)) from exc
    except WeChatClientException as exc:
        if exc.errcode is None:  # HTTP-level failure, wechatpy gives no errcode
            raise WeChatUnavailable(str(exc)) from exc
        if exc.errcode == -1:  # "system busy" per WeChat's global return codes
            raise WeChatUnavailable(exc.errmsg) from exc
        raise WeChatRefused(exc.errcode, exc.errmsg) from exc
