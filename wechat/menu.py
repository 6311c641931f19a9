"""The official account's menu: configuration rendered into WeChat's JSON and published (`python manage.py menu`)."""

from __future__ import annotations

import copy
from typing import Any

from wechat.client import WeChatApi, call_wechat


def render_menu(menu: dict[str, Any], public_base_url: str) -> dict[str, Any]:
    """WeChat's menu JSON with `{public_base_url}` filled into every view URL."""
    rendered = copy.deepcopy(menu)
    for button in rendered.get("button", []):
        for item in [button, *button.get("sub_button", [])]:
            if "url" in item:
                item["url"] = item["url"].replace("{public_base_url}", public_base_url.rstrip("/"))
    if not rendered.get("button"):
        raise ValueError("the configuration has no wechat_menu.button")
    return rendered


def publish(client: WeChatApi, menu: dict[str, Any]) -> dict[str, Any]:
    """menu/create (https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html).

    Blocking (wechatpy): run it in a worker thread.
    """
    return call_wechat(client.menu.create, menu)
