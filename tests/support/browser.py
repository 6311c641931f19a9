"""A real headless browser for page tests: Debian's chromium driven by Playwright's async API."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
# Flags (docs/stack-notes.md#testing-tools): no sandbox as root, and nothing that reaches for the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_tool(found: bool, name: str, install: str) -> None:
    """A tool from Debian the test needs: scripts/test.sh installs them all and sets REQUIRE_TEST_TOOLS,
    so there a missing one fails; a bare `pytest` elsewhere skips the test, saying what to install."""
    if found:
        return
    if os.environ.get("REQUIRE_TEST_TOOLS") or os.environ.get("CI"):
        pytest.fail(f"{name} is not installed, though scripts/setup.sh --browser installs it ({install})")
    pytest.skip(f"{name} is not installed ({install})")


def require_chromium() -> None:
    require_tool(shutil.which(CHROMIUM) is not None, "chromium", "apt-get install chromium fonts-noto-cjk")


# Pages follow the browser's language until a person chooses (handlers/base.py `language`). A phone in China sends
# zh-CN, and so does every page of the tests unless a test asks for another `locale`; chromium would say en-US.
LOCALE = "zh-CN"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context, new_page = browser.new_context, browser.new_page

        async def context_in_chinese(**options: Any) -> BrowserContext:
            return await new_context(**({"locale": LOCALE} | options))

        async def page_in_chinese(**options: Any) -> Page:
            return await new_page(**({"locale": LOCALE} | options))

        browser.new_context = context_in_chinese  # type: ignore[method-assign]
        browser.new_page = page_in_chinese  # type: ignore[method-assign]
        try:
            yield browser
        finally:
            await browser.close()


PHONE = {"width": 390, "height": 844}


ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
)


async def draw_signature(page) -> None:
    """A finger's stroke across the signature pad."""
    canvas = page.locator("#signature-canvas")
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    await page.mouse.move(x + w * 0.1, y + h * 0.7)
    await page.mouse.down()
    for i in range(1, 12):
        await page.mouse.move(x + w * (0.1 + 0.07 * i), y + h * (0.3 if i % 2 else 0.7), steps=3)
    await page.mouse.up()
