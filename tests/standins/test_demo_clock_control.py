"""The demo clock seen and moved (issue 25, item 12): a banner on every page while the service's clock is ahead (party
pages, the portal, the back office), and the control on the stand-ins' page that moves it forward."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.core.context import DemoClock

PAGES = ("/", "/h5/progress", "/portal/login", "/office/login")


async def _page(http_client, base_url, path):
    return await http_client.fetch(base_url + path, raise_error=False, follow_redirects=False)


@pytest.mark.gen_test
async def test_the_banner_shows_on_every_layout_while_the_clock_is_moved(app, http_client, base_url):
    clock = app.settings["services"].ctx.clock
    assert isinstance(clock, DemoClock)
    for path in PAGES:
        page = await _page(http_client, base_url, path)
        assert page.code == 200 and "demo-clock-banner" not in page.body.decode(), path  # real time: no banner
    clock.offset = timedelta(days=8)
    for path in PAGES:
        body = (await _page(http_client, base_url, path)).body.decode()
        assert 'id="demo-clock-banner"' in body and "演示时钟" in body and "+8d" in body, path
    english = await http_client.fetch(base_url + "/h5/progress", headers={"Cookie": "lang=en"}, raise_error=False)
    assert "Demo clock: this service runs +8d ahead" in english.body.decode().replace("&#39;", "'")


@pytest.mark.gen_test
async def test_the_standins_page_moves_the_clock_forward_only(app, http_client, wechat):
    clock = app.settings["services"].ctx.clock
    wechat.state.clock = clock
    woken = []
    wechat.state.clock_moved = lambda: woken.append(True)
    page = (await http_client.fetch(wechat.base_url + "standin/")).body.decode()
    assert 'id="clock-offset">0<' in page and 'id="clock-move"' in page

    async def move(by):
        return await http_client.fetch(
            wechat.base_url + "standin/clock", method="POST", body=f"by={by}", raise_error=False, follow_redirects=False
        )

    moved = await move("%2B8d")
    assert moved.code == 303 and clock.offset == timedelta(days=8) and woken == [True]
    assert (await move("1d12h")).code == 303 and clock.offset == timedelta(days=9, hours=12)
    refused = await move("-1d")
    assert refused.code == 303 and "clock_error" in refused.headers["Location"] and clock.offset.days == 9
    page = (await http_client.fetch(wechat.base_url + "standin/")).body.decode()
    assert 'id="clock-offset">+9d12h<' in page
    wechat.state.clock = None  # a server without a demo clock (production): nothing to move
    assert (await move("%2B1d")).code == 404
