"""The official account's menu from configuration, published with `python -m wechat.menu publish [--config]`."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import sys
from functools import partial
from typing import Any

from wechat.client import WeChatApi, WeChatRefused, WeChatUnavailable, call_wechat
from wechat.tokens import ThreadTokenBridge, fetch_stable_token


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


async def publish_from_settings(settings: Any) -> dict[str, Any]:
    """Publish the configured menu through the shared access token (the server's database)."""
    from services.wechat_tokens import AccessTokens  # the composition happens here, as in app.py
    from store import connect

    mongo, db = connect(settings.mongodb_uri, None, settings.mongodb_database)
    try:
        tokens = AccessTokens(
            db,
            {settings.wechat_app_id: settings.wechat_app_secret},
            partial(fetch_stable_token, settings.wechat_api_base, timeout=settings.wechat_timeout),
        )
        bridge = ThreadTokenBridge(tokens, 3 * settings.wechat_timeout, asyncio.get_running_loop())
        client = WeChatApi(
            settings.wechat_app_id,
            settings.wechat_app_secret,
            settings.wechat_api_base,
            settings.wechat_timeout,
            tokens=bridge,
        )
        menu = render_menu(settings.wechat_menu, settings.public_base_url)
        return await asyncio.get_running_loop().run_in_executor(None, publish, client, menu)
    finally:
        await mongo.close()


def main(argv: list[str] | None = None) -> int:
    from settings import SettingsError, load_settings

    parser = argparse.ArgumentParser(description="The official account's menu")
    parser.add_argument("command", choices=["publish", "show"])
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"refusing: {exc}", file=sys.stderr)
        return 2
    menu = render_menu(settings.wechat_menu, settings.public_base_url)
    if args.command == "show":
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    try:
        asyncio.run(publish_from_settings(settings))
    except WeChatUnavailable as exc:
        print(f"WeChat is unavailable, nothing published: {exc}", file=sys.stderr)
        return 1
    except WeChatRefused as exc:
        print(f"WeChat refused the menu: {exc}", file=sys.stderr)
        return 1
    print(f"menu published for {settings.wechat_app_id} ({len(menu['button'])} buttons)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
