"""WeChat's push messages: official account template messages and mini-program subscribe messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wechat.client import WeChatApi, call_wechat

# Since May 2023 WeChat shows template keyword values of about 20 characters, no colour, and
# drops `first` and `remark`; subscribe messages' `thing` values hold 20 characters at most.
VALUE_LIMIT = 20

TEMPLATE_SEND = "message/template/send"  # https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.html
# Not in wechatpy 1.8.18: posted through the client's generic `post` (cgi-bin/ base).
SUBSCRIBE_SEND = "message/subscribe/send"  # https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html


def short_value(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A keyword value WeChat will show whole: at most `limit` characters, cut with an ellipsis."""
    text = " ".join(str(value if value is not None else "").split()) or "-"  # WeChat refuses empty values
    return text if len(text) <= limit else text[: limit - 1] + "…"


def template_payload(openid: str, template_id: str, data: Mapping[str, Any], url: str) -> dict[str, Any]:
    """An official account template message: `data` gives each template key (keyword1, ...) its value."""
    values = {key: {"value": short_value(value)} for key, value in data.items()}
    return {"touser": openid, "template_id": template_id, "url": url, "data": values}


def subscribe_payload(openid: str, template_id: str, data: Mapping[str, Any], page: str) -> dict[str, Any]:
    """A mini-program subscribe message: `data` gives each template key (thing1, ...) its value."""
    values = {key: {"value": short_value(value)} for key, value in data.items()}
    return {"touser": openid, "template_id": template_id, "page": page, "data": values, "lang": "zh_CN"}


def send_template(client: WeChatApi, payload: dict[str, Any]) -> dict[str, Any]:
    """POST message/template/send (blocking: run in a worker thread); WeChatRefused/WeChatUnavailable on failure."""
    return call_wechat(client.post, TEMPLATE_SEND, data=payload)


def send_subscribe(client: WeChatApi, payload: dict[str, Any]) -> dict[str, Any]:
    """POST message/subscribe/send (blocking: run in a worker thread); WeChatRefused/WeChatUnavailable on failure."""
    return call_wechat(client.post, SUBSCRIBE_SEND, data=payload)
