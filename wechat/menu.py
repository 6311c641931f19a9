"""The official account's menu from configuration, published with `python -m wechat.menu publish [--config]`."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import sys
from typing import Any

from wechat.client import WeChatApi, WeChatRefused, WeChatUnavailable, call_wechat


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
    from app import service_context, wechat_clients  # the composition root builds the clients

    mongo, ctx = service_context(settings)
    try:
        wechat = wechat_clients(settings, ctx.db)
        wechat.bridge.bind(asyncio.get_running_loop())
        client = wechat.official_account
        menu = render_menu(settings.wechat_menu, settings.public_base_url)
        return await asyncio.get_running_loop().run_in_executor(None, publish, client, menu)
    finally:
        ctx.executor.shutdown(wait=False)
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
