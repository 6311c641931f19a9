"""大字版 keeps its promise (issue 25, item 8): every link, button and input a person can see in the large display
is at least 60 x 60 px, links in a sentence included, measured in chromium at 375 px on every page of the parties
and the guidance (static/css/h5.css), on a centre with a case in every status. The test lists every offender."""

from __future__ import annotations

from typing import Any

import pytest
from tornado.web import create_signed_value

from services.accounts import web_sessions
from tests.support.browser import chromium
from tests.support.browser_session import WECHAT_UA
from tests.support.seeded import seed_every_status

TARGET = 60  # px, 互联网网站适老化通用设计规范's main controls (the README's promise)
# Every visible link, button and input, with what names it and its bounding box.
MEASURE = """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
  .filter(e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
                 return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; })
  .map(e => { const r = e.getBoundingClientRect();
              return {tag: e.tagName.toLowerCase() + (e.type && e.tagName !== 'A' ? '[' + e.type + ']' : ''),
                      id: e.id, text: (e.innerText || e.value || e.name || e.getAttribute('aria-label') || '')
                        .trim().replace(/\\s+/g, ' ').slice(0, 24),
                      width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10}; })"""
ANONYMOUS_PAGES = (
    "/",
    "/h5/progress",
    "/h5/triage/relationship",
    "/h5/calculator",
    "/h5/calculator?kind=overtime",
    "/h5/library",
    "/h5/library/labour_contract_law",
    "/portal/login",
    "/portal/register",
    "/portal/reset",
)
APPLICANT_PAGES = (
    "/h5/apply",
    "/h5/apply/worker/notice",
    "/h5/apply/worker/applicant",
    "/h5/apply/worker/respondent",
    "/h5/apply/worker/claim",
    "/h5/apply/worker/evidence",
    "/h5/apply/worker/review",
    "/h5/cases",
    "/h5/respondent/cases",
)


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


async def _cookie(app: Any, person: str) -> dict[str, str]:
    value = await web_sessions.issue(app.settings["services"].ctx, web_sessions.PERSON, person)
    return {
        "name": "h5_session",
        "value": create_signed_value(app.settings["cookie_secret"], "h5_session", value).decode(),
    }


async def _offenders(context: Any, base_url: str, paths: list[str]) -> list[str]:
    found = []
    page = await context.new_page()
    for path in paths:
        response = await page.goto(base_url + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        if not page.url.startswith(base_url):  # a claimed invitation, signed out: WeChat's authorisation (stand-in)
            continue
        assert await page.get_attribute("html", "class") == "elder", f"{path} is not in the large display"
        for target in await page.evaluate(MEASURE):
            if target["width"] < TARGET - 0.5 or target["height"] < TARGET - 0.5:
                found.append(
                    f"{path}: {target['tag']}#{target['id']} {target['text']!r} {target['width']}x{target['height']}"
                )
    await page.close()
    return found


@pytest.mark.gen_test(timeout=300)
async def test_every_target_of_the_large_display_is_at_least_60_px_square(app, http_server, http_port):
    base_url = f"http://127.0.0.1:{http_port}"
    seeded = await seed_every_status(app)
    city = sorted(seeded.city.values())
    applicant_pages = [
        *APPLICANT_PAGES,
        *(f"/h5/cases/{serial}" for serial in city),
        f"/h5/cases/{seeded.city['signing']}/agreement",
        f"/h5/cases/{seeded.city['clarifying']}/clarified",
        f"/h5/cases/{seeded.city['accepted']}/withdraw",
        f"/h5/cases/{seeded.city['scheduled']}/session",
    ]
    answered = [seeded.city[s] for s in ("accepted", "scheduled", "mediating", "signing", "failed")]
    respondent_pages = [
        *(f"/h5/respondent/cases/{serial}" for serial in answered),
        f"/h5/respondent/cases/{seeded.city['signing']}/agreement",
    ]
    invitations = [path for links in seeded.invitations.values() for path in links.values() if "/invitations/" in path]
    offenders: list[str] = []
    async with chromium() as browser:
        for person, paths in (
            (None, [*ANONYMOUS_PAGES, *invitations]),
            (seeded.applicant, applicant_pages),
            (seeded.respondent, respondent_pages),
        ):
            context = await browser.new_context(viewport={"width": 375, "height": 812}, user_agent=WECHAT_UA)
            cookies = [{"name": "display", "value": "elder"}] + ([await _cookie(app, person)] if person else [])
            await context.add_cookies([c | {"url": base_url} for c in cookies])
            offenders += await _offenders(context, base_url, paths)
            await context.close()
    assert not offenders, f"{len(offenders)} targets under {TARGET} x {TARGET} px:\n" + "\n".join(offenders)
