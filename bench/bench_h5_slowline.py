"""Each H5 application step in chromium on a slow mobile line (issue 13, item 7): bytes transferred and time to usable.

The line is emulated through the DevTools protocol (Network.emulateNetworkConditions): 400 kbit/s each way and a
400 ms round trip. Each step is loaded in a fresh browser context (a first visit: nothing cached) after signing in
through the WeChat stand-in's OAuth page, as a person on WeChat's browser would. Per step:

  bytes:  what crossed the line for the page and everything it loads (Network.loadingFinished's encodedDataLength:
          compressed bodies plus headers);
  usable: from the navigation's start to the `load` event (every style, script and image in, scripts run), read
          from the page's own Navigation Timing, so the browser's clock under emulation;

against the baseline of the same page's HTML alone (every other request refused), in the same run. Targets: each
step <= 60 KB with everything it loads, usable in < 2 s.

    python bench/bench_h5_slowline.py [--repeat 3]

Needs Debian's chromium and the `playwright` package (requirements-dev.txt); never downloads a browser.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys

from common import Row, free_port, print_table, run_bench, server_process, verdict, wait_until_up
from playwright.async_api import Browser, BrowserContext, StorageState, async_playwright  # noqa: E402

from services.intake.form import STEPS  # noqa: E402
from standins.wechat import WeChatStandIn  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OA_APP_ID, OA_SECRET = "wx-bench-official-account", "bench-oa-secret"
# 400 kbit/s and 400 ms round trip: a weak 3G/edge line in the countryside (issue 13).
LINE = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
TARGET_BYTES = 60 * 1024
TARGET_SECONDS = 2.0
PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50 NetType/3G Language/zh_CN"
)


async def phone_context(browser: Browser, storage_state: StorageState | None = None) -> BrowserContext:
    """A fresh context that looks like WeChat's browser on a phone."""
    return await browser.new_context(
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_AGENT,
        locale="zh-CN",  # WeChat's language, which the pages follow (handlers/base.py `language`)
        storage_state=storage_state,
    )


async def load(context: BrowserContext, url: str, html_only: bool) -> tuple[int, float, int, str]:
    """(bytes on the line, seconds to the load event, requests, the path landed on) for one cold load of `url`
    under the slow line."""
    page = await context.new_page()
    if html_only:  # the baseline: the document itself, nothing it would load
        await page.route(
            "**/*", lambda route: route.continue_() if route.request.resource_type == "document" else route.abort()
        )
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    await cdp.send("Network.emulateNetworkConditions", LINE)
    sizes: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    response = await page.goto(url, wait_until="load", timeout=60_000)
    if response is None or response.status != 200:
        raise RuntimeError(f"{url}: HTTP {response.status if response else 'none'}")
    await asyncio.sleep(0.2)  # the last loadingFinished events arrive after `load`
    seconds = await page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return (n.loadEventEnd || n.duration) / 1000; })()"
    )
    landed = page.url.split("/", 3)[3]
    await page.close()
    return int(sum(sizes.values())), float(seconds), len(sizes), "/" + landed


async def bench(repeat: int) -> None:
    standin = WeChatStandIn({OA_APP_ID: OA_SECRET})
    standin.start()
    port = free_port()
    base = f"http://localhost:{port}"  # localhost: a secure context, so the Secure session cookie is kept
    env = {
        "MONGODB_DATABASE": "bench",
        "WECHAT_API_BASE": standin.base_url,
        "WECHAT_OAUTH_BASE": standin.base_url + "connect/",
        "WECHAT_APP_ID": OA_APP_ID,
        "WECHAT_APP_SECRET": OA_SECRET,
        "PUBLIC_BASE_URL": base,
        "NOTIFICATION_SENDER": "off",
    }
    try:
        with server_process(env, port) as server:
            await wait_until_up(port, server)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    signing_in = await phone_context(browser)
                    page = await signing_in.new_page()
                    await page.goto(f"{base}/h5/apply/worker")  # not signed in: to the stand-in's OAuth page
                    await page.click("#authorize")
                    await page.wait_for_url(f"{base}/h5/apply/worker/**")
                    state = await signing_in.storage_state()
                    await signing_in.close()
                    rows: list[Row] = []
                    misses = 0
                    for step in STEPS:
                        url = f"{base}/h5/apply/worker/{step}"
                        full: list[tuple[int, float, int, str]] = []
                        alone: list[tuple[int, float, int, str]] = []
                        for _ in range(repeat):
                            for html_only, into in ((False, full), (True, alone)):
                                context = await phone_context(browser, state)
                                try:
                                    into.append(await load(context, url, html_only))
                                finally:
                                    await context.close()
                        size, seconds = max(r[0] for r in full), statistics.median(r[1] for r in full)
                        base_size, base_seconds = max(r[0] for r in alone), statistics.median(r[1] for r in alone)
                        ok = size <= TARGET_BYTES and seconds < TARGET_SECONDS
                        misses += not ok
                        shown = step if full[0][3].endswith("/" + step) else f"{step} → {full[0][3]}"
                        rows.append(
                            (
                                shown,
                                f"{full[0][2]}",
                                f"{size / 1024:.1f} KB",
                                f"{seconds:.2f} s",
                                f"{base_size / 1024:.1f} KB",
                                f"{base_seconds:.2f} s",
                                f"{size / base_size:.1f}x / {seconds / base_seconds:.2f}x",
                                verdict(ok),
                            )
                        )
                finally:
                    await browser.close()
    finally:
        standin.stop()
    print(f"H5 steps on an emulated line of 400 kbit/s and 400 ms round trip, first visit, median of {repeat}")
    print_table(
        rows, ("step", "requests", "bytes", "usable", "HTML alone", "HTML usable", "vs baseline", "≤60 KB & <2 s")
    )
    print(f"{len(rows) - misses} of {len(rows)} steps meet both targets")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="loads of each step (the median time is shown)")
    return run_bench(bench(parser.parse_args().repeat))


if __name__ == "__main__":
    sys.exit(main())
