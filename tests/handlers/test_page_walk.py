"""Every page of every front, as every role that may see it, on a fresh install and on a centre with a case in every
status: never a server error, the page's own subject on it, no unmasked ID number, no case of someone else's.

The pages are the GET routes of handlers/routes.py answered by a page handler: each has a row in PAGES (who may
see it, and one element that proves the page rendered its subject) or in NOT_PAGES (what it answers instead of a
page), so a new page without a row fails here. A role a row does not name is refused (never a 200), and so is a
case outside what the caller may see (another centre's, another person's). `#name` is an element's id; any other
expectation is text, with {serial}, {document_id}, ... filled in as walked.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from tornado.web import RequestHandler, create_signed_value

from handlers.pages import PageHandler
from handlers.routes import ROUTES
from i18n import text
from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, MEDIATOR, SYSTEM_ADMIN
from tests.support import court, samples
from tests.support.app import OA_APP_ID, make_staff
from tests.support.seeded import CITY_ADMIN, CITY_MEDIATOR, PUDONG_ADMIN, ROOT, Seeded, seed_every_status

ANONYMOUS, APPLICANT, RESPONDENT = "anonymous", "applicant", "respondent"
STAFF = (MEDIATOR, CENTRE_ADMIN, SYSTEM_ADMIN)
PERSONS = (APPLICANT, RESPONDENT)
EVERYONE = (ANONYMOUS, *PERSONS, *STAFF)
ADMINS = (CENTRE_ADMIN, SYSTEM_ADMIN)


def row(present: str, *roles: str) -> dict[str, str]:
    return dict.fromkeys(roles, present)


PAGES: dict[str, dict[str, str]] = {
    "/": row("#home-apply", *EVERYONE),
    "/verify/{document_id}": row("{serial}", *EVERYONE),
    "/h5/calculator": row("#calculator-kind", *EVERYONE),
    "/h5/triage/{node}": row("#triage-form", *EVERYONE),
    "/h5/library": row("#library-list", *EVERYONE),
    "/h5/library/{library_entry}": row("#entry-text", *EVERYONE),
    "/h5/progress": row("#f-serial", *EVERYONE),
    "/h5/apply": row("#apply-worker", *PERSONS),
    "/h5/apply/{kind}/{step}": row("#f-id_number", *PERSONS),
    "/h5/apply/done/{serial}": row("{serial}", APPLICANT),
    "/h5/cases": row("#respondent-cases-link", *PERSONS),
    "/h5/cases/{serial}": row("{serial}", APPLICANT),
    "/h5/cases/{serial}/withdraw": row("#withdraw-explain", APPLICANT),
    "/h5/cases/{serial}/clarified": row("{serial}", APPLICANT),
    "/h5/cases/{serial}/agreement": row("{serial}", APPLICANT),
    "/h5/cases/{serial}/session": row("#session-page", APPLICANT),
    "/h5/cases/{serial}/documents/{document_id}/summary": row("#summary", *PERSONS),
    "/h5/respondent/invitations/{serial}/{token}": row("#invitation", *EVERYONE),
    "/h5/applicant/invitations/{serial}/{token}": row("#invitation", *EVERYONE),
    "/h5/respondent/cases": row("#respondent-cases", *PERSONS),
    "/h5/respondent/cases/{serial}": row("{serial}", RESPONDENT),
    "/h5/respondent/cases/{serial}/signin": row("#claim-form", *EVERYONE),
    "/h5/respondent/cases/{serial}/agreement": row("{serial}", RESPONDENT),
    "/h5/respondent/cases/{serial}/session": row("#session-page", RESPONDENT),
    "/h5/respondent/cases/{serial}/documents/{document_id}/summary": row("#summary", *PERSONS),
    "/portal/login": row("#password-form", *EVERYONE),
    "/portal/register": row("#register-form", *EVERYONE),
    "/portal/reset": row("#reset-form", *EVERYONE),
    "/portal/card/return": row("#card-status", *EVERYONE),
    "/office/": row("#queue", *STAFF),
    "/office/login": row("#sign-in", *EVERYONE),
    "/office/forgot": row("#forgot-help", *EVERYONE),
    "/office/cases/{serial}": row("{serial}", *STAFF),
    "/office/staff": row("#staff", *ADMINS),
    "/office/calendar": row("#calendar-form", *ADMINS),
    "/office/seal": row("#seal-state", *STAFF),
    "/office/centres": row("#centres", *ADMINS),
    "/office/centres/{centre_id}": row("#edit-centre", SYSTEM_ADMIN),
    "/office/mediators": row("#mediators", *ADMINS),
    "/office/stats": row("#table-national", *ADMINS),
    "/office/files": row("#archive-form", *STAFF),
    "/office/alerts": row("#alerts", *ADMINS),
    "/office/audit": row("#audit", SYSTEM_ADMIN),
    "/office/roster": row("#roster-entries", *ADMINS),
    "/office/library": row("#library-list", *STAFF),
    "/office/library/{library_entry}": row("#entry-text", *STAFF),
    "/office/figures": row("#figures", *STAFF),
    "/office/triage": row("#triage-edit", *STAFF),
    "/office/templates": row("#templates", *STAFF),
    "/office/training": row("#materials", *STAFF),
    "/h5/me": row("#my-data", *PERSONS),
    "/portal/me": row("#my-data", *PERSONS),
    "/h5/me/verify": row("#verify", *PERSONS),
    "/privacy": row("#privacy-notice", *EVERYONE),
}
NOT_PAGES: dict[str, str] = {
    "/lang/{locale}": "a redirect back, the language chosen",
    "/display/{mode}": "a redirect back, the display chosen",
    "/h5/": "a redirect to /h5/apply",
    "/h5/oauth/start": "a redirect to WeChat's authorisation",
    "/h5/oauth/callback": "a redirect to the page first asked, once WeChat's code is good",
    "/h5/triage": "a redirect to the first question",
    "/h5/apply/prefill": "a redirect into the form, the triage's answers kept",
    "/h5/apply/{kind}": "a redirect to the step the draft is at",
    "/h5/files/{file_id}": "an evidence file's download",
    "/h5/cases/{serial}/documents/{document_id}": "a document's download",
    "/h5/respondent/cases/{serial}/documents/{document_id}": "a document's download",
    "/portal/": "a redirect to /portal/login",
    "/portal/card/start": "a redirect to the card platform",
    "/office/documents/{document_id}": "a document's download",
    "/office/files/{file_id}": "an evidence file's download",
    "/office/files/cases/{serial}.zip": "a case's archive",
    "/office/stats/export.xlsx": "the statistics' workbook",
    "/office/audit.xlsx": "the audit log's workbook",
    "/office/templates/{template_kind}": "a template's .docx",
    "/office/training/{material_id}": "a training material's file, or a redirect to its link",
    "/h5/me/copy.json": "the copy of one's data, or a redirect to prove who asks first",
    "/h5/me/copy.pdf": "the copy of one's data, or a redirect to prove who asks first",
}
VALUES = {
    "node": "relationship",
    "library_entry": "labour_contract_law",
    "kind": "worker",
    "step": "applicant",
    "centre_id": "sh-city",
}
ID_NUMBERS = (samples.WORKER_ID, samples.CONTACT_ID, samples.EMPLOYEE_ID, court.WORKER)


def page_routes() -> dict[str, str]:
    """{path with {name} for each named group: the route's pattern} for every GET route of a page handler."""
    found = {}
    for pattern, handler, *_ in ROUTES:
        if issubclass(handler, PageHandler) and handler.get is not RequestHandler.get:
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern).replace("/?", "/").replace("\\.", ".")
            found[path.rstrip("$")] = pattern
    return found


def test_every_page_route_has_a_row():
    routes = set(page_routes())
    assert routes - set(PAGES) - set(NOT_PAGES) == set(), "a page without a row in PAGES or NOT_PAGES"
    assert set(PAGES) | set(NOT_PAGES) <= routes, "a row for a page that is no longer routed"
    assert not set(PAGES) & set(NOT_PAGES)


@dataclasses.dataclass
class Caller:
    """Someone walking the pages: their role, cookie, the cases they may open and the ones they must never see."""

    name: str
    role: str
    cookie: str = ""
    cases: set[str] = dataclasses.field(default_factory=set)
    foreign: set[str] = dataclasses.field(default_factory=set)


async def _cookie(app: Any, kind: web_sessions.SessionKind, subject: str) -> str:
    name = "h5_session" if kind == web_sessions.PERSON else "office_session"
    value = await web_sessions.issue(app.settings["services"].ctx, kind, subject)
    return f"{name}={create_signed_value(app.settings['cookie_secret'], name, value).decode()}"


def _present(expected: str, body: str) -> bool:
    if expected.startswith("#"):
        return f'id="{expected[1:]}"' in body
    return expected in body


class Walk:
    def __init__(self, http_client: Any, base_url: str) -> None:
        self.http_client, self.base_url = http_client, base_url
        self.faults: list[str] = []
        self.opened: dict[str, set[str]] = {}  # page -> the roles that opened it (a 200)

    async def open(self, page: str, path: str, caller: Caller, values: dict[str, str]) -> None:
        headers = {"Cookie": caller.cookie} if caller.cookie else {}
        response = await self.http_client.fetch(
            self.base_url + path, headers=headers, raise_error=False, follow_redirects=False, request_timeout=30
        )
        where = f"GET {path} as {caller.name}"
        if response.code >= 500:
            self.faults.append(f"{where}: {response.code}")
            return
        public = ANONYMOUS in PAGES[page]  # a public page of a case (an invitation) is anyone's
        foreign = caller.foreign - {values.get("serial", "")} if public else caller.foreign
        allowed = caller.role in PAGES[page] and values.get("serial", "") not in foreign
        if not allowed:
            if response.code == 200:
                self.faults.append(f"{where}: 200, not refused")
            return
        if response.code != 200:
            self.faults.append(f"{where}: {response.code}")
            return
        self.opened.setdefault(page, set()).add(caller.role)
        body = response.body.decode()
        if not _present(expected := PAGES[page][caller.role].format(**values), body):
            self.faults.append(f"{where}: {expected!r} missing")
        self.faults += [f"{where}: the unmasked ID number {n}" for n in ID_NUMBERS if n in body]
        self.faults += [f"{where}: shows case {s}" for s in sorted(foreign) if s in body]

    async def every_page(self, callers: list[Caller], seeded: Seeded | None) -> None:
        for page in sorted(PAGES):
            for caller in callers:
                for values in _values(page, caller, seeded):
                    await self.open(page, page.format(**values), caller, values)


def _values(page: str, caller: Caller, seeded: Seeded | None) -> list[dict[str, str]]:
    """The values to walk `page` with, as `caller`: each case they may open and each they must not (with its
    document and invitation); on a fresh install, no case at all."""
    names = set(re.findall(r"{(\w+)}", page))
    if "serial" not in names and "document_id" not in names:
        return [VALUES]
    if seeded is None:
        return []
    out = []
    for serial in sorted(caller.cases | caller.foreign):
        values = VALUES | {"serial": serial, "document_id": seeded.documents.get(serial, "")}
        party = "applicant" if page.startswith("/h5/applicant/") else "respondent"
        values["token"] = seeded.invitations.get(serial, {}).get(party, "").rpartition("/")[2]
        if all(values.get(name) for name in names):
            out.append(values)
    return out


@pytest.fixture
def env_overrides(pages_env):
    return pages_env


@pytest.mark.gen_test(timeout=300)
async def test_every_page_on_a_fresh_install_as_people_who_never_saved_anything(app, http_client, base_url):
    ctx = app.settings["services"].ctx
    await make_staff(app, "new.mediator", MEDIATOR, "sh-city")
    await make_staff(app, "new.admin", CENTRE_ADMIN, "sh-city")
    await make_staff(app, "root", SYSTEM_ADMIN, "sh-city")
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-new-person")
    callers = [
        Caller("anonymous", ANONYMOUS),
        Caller("a new applicant", APPLICANT, await _cookie(app, web_sessions.PERSON, person)),
        Caller("a new mediator", MEDIATOR, await _cookie(app, web_sessions.STAFF, "new.mediator")),
        Caller("a new centre administrator", CENTRE_ADMIN, await _cookie(app, web_sessions.STAFF, "new.admin")),
        Caller("the system administrator", SYSTEM_ADMIN, await _cookie(app, web_sessions.STAFF, "root")),
    ]
    walk = Walk(http_client, base_url)
    await walk.every_page(callers, None)
    assert not walk.faults, "\n".join(walk.faults)
    without_a_case = {p for p in PAGES if "{serial}" not in p and "{document_id}" not in p}
    assert set(walk.opened) == without_a_case
    mediators = await http_client.fetch(base_url + "/office/mediators", headers={"Cookie": callers[3].cookie})
    assert text("office.profile.not_given") in mediators.body.decode()  # a record never saved, in words


@pytest.mark.gen_test(timeout=600)
async def test_every_page_on_a_case_in_every_status_as_everyone_who_may_see_it(app, http_client, base_url):
    seeded = await seed_every_status(app)
    city = set(seeded.city.values()) | {seeded.other}
    pudong = set(seeded.pudong.values())
    ctx = app.settings["services"].ctx
    answered = {d["_id"] async for d in ctx.db["cases"].find({"respondent_access.person_id": seeded.respondent})}
    callers = [
        Caller("anonymous", ANONYMOUS, "", seeded.serials()),
        Caller(
            "the applicant",
            APPLICANT,
            await _cookie(app, web_sessions.PERSON, seeded.applicant),
            set(seeded.city.values()),
            {seeded.other} | pudong,
        ),
        Caller(
            "the respondent",
            RESPONDENT,
            await _cookie(app, web_sessions.PERSON, seeded.respondent),
            answered,
            {seeded.other} | pudong,
        ),
        Caller(
            "the city's mediator", MEDIATOR, await _cookie(app, web_sessions.STAFF, CITY_MEDIATOR.login), city, pudong
        ),
        Caller(
            "the city's administrator",
            CENTRE_ADMIN,
            await _cookie(app, web_sessions.STAFF, CITY_ADMIN.login),
            city | pudong,
        ),
        Caller(
            "Pudong's administrator",
            CENTRE_ADMIN,
            await _cookie(app, web_sessions.STAFF, PUDONG_ADMIN.login),
            pudong,
            city,
        ),
        Caller(
            "the system administrator", SYSTEM_ADMIN, await _cookie(app, web_sessions.STAFF, ROOT.login), city | pudong
        ),
    ]
    walk = Walk(http_client, base_url)
    await walk.every_page(callers, seeded)
    assert not walk.faults, "\n".join(walk.faults)
    assert walk.opened == {page: set(roles) for page, roles in PAGES.items()}, "a page no role could open"
