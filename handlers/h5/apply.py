"""The guided application in H5 pages: choose who applies, one step per page (saved as a draft), submit."""

from __future__ import annotations

import uuid
from typing import Any

import tornado.web
from tornado.web import authenticated

from handlers.base import ApiHandler
from handlers.pages import PageHandler, session_person
from handlers.uploads import StreamedUploadMixin
from handlers.urls import APPLY_KIND, APPLY_STEP, SERIAL
from services.accounts import portal_accounts
from services.cases import party_pages
from services.core.errors import FieldError, NotFound, Unauthorized, ValidationFailed
from services.intake import drafts, evidence
from services.intake import form as application_form

CHANNEL = "h5"


class HomeHandler(PageHandler):
    def get(self) -> None:
        self.redirect("/h5/apply")


class ChooseKindHandler(PageHandler):
    @authenticated
    def get(self) -> None:
        self.render_page("h5/apply.html", kinds=application_form.KIND_TITLES)


def _kind(kind: str) -> str:
    if kind not in application_form.KIND_TITLES:
        raise NotFound("application_kind_unknown")
    return kind


def _step(step: str) -> str:
    if step not in application_form.STEPS:
        raise NotFound("page_not_found")
    return step


class StepHandler(PageHandler):
    """One step of the guided application: shows the draft, saves what was entered, moves on."""

    @authenticated
    async def get(self, kind: str, step: str) -> None:
        kind, step = _kind(kind), _step(step)
        draft = await self._draft(kind)
        await self._render_step(kind, step, draft, {})

    @authenticated
    async def post(self, kind: str, step: str) -> None:
        kind, step = _kind(kind), _step(step)
        if step == "review":
            raise tornado.web.HTTPError(405)
        values = self._values(kind, step)
        problems = await drafts.save_step(self.ctx, self.person_id, kind, step, values)
        if problems:
            draft = await self._draft(kind)
            draft[drafts.STEP_SECTIONS[step]] = values
            await self._render_step(kind, step, draft, _by_field(problems), status=422)
            return
        steps = application_form.STEPS
        self.redirect(f"/h5/apply/{kind}/{steps[steps.index(step) + 1]}")

    def _values(self, kind: str, step: str) -> Any:
        if step in application_form.FORM_STEPS:
            return application_form.values_from_form(
                kind, step, {k: self.get_body_argument(k, "") for k in self.request.body_arguments}
            )
        if step == "notice":
            return {
                "version": self.get_body_argument("version", ""),
                "accepted": self.get_body_argument("accepted", "") == "yes",
            }
        return [v for v in self.get_body_arguments("evidence") if v]

    async def _draft(self, kind: str) -> dict[str, Any]:
        try:
            return await drafts.load_draft(self.ctx, self.person_id, kind)
        except NotFound:
            return {"kind": kind}

    async def _render_step(
        self, kind: str, step: str, draft: dict[str, Any], errors: dict[str, str], status: int = 200
    ) -> None:
        common = {"kind": kind, "step": step, "steps": application_form.STEPS, "titles": application_form.STEP_TITLES,
                  "kind_title": application_form.KIND_TITLES[kind], "errors": errors}  # fmt: skip
        if step in application_form.FORM_STEPS:
            section = draft.get(step)
            if step == "applicant" and not section:  # a first visit: start from the signed-in person's identity
                section = await portal_accounts.applicant_prefill(self.ctx, self.person_id, kind)
            self.render_page("h5/step.html", status, fields=application_form.form_fields(kind, step),
                             values=application_form.form_values(section), **common)  # fmt: skip
        elif step == "notice":
            versions = self.ctx.settings.consent_versions
            self.render_page("h5/notice.html", status, version=versions[-1],
                             accepted=(draft.get("consent") or {}).get("accepted", False), **common)  # fmt: skip
        elif step == "evidence":
            self.render_page("h5/evidence.html", status, evidence=draft.get("evidence", []), **common)
        else:
            problems = await drafts.draft_problems(self.ctx, self.person_id, kind)
            self.render_page("h5/review.html", status, sections=application_form.review_sections(kind, draft),
                             problems=problems, evidence=draft.get("evidence", []), idempotency_key=uuid.uuid4().hex,
                             **common)  # fmt: skip


def _by_field(problems: list[FieldError]) -> dict[str, str]:
    """Errors keyed by the field's name within its step ("applicant.phone" → "phone")."""
    out: dict[str, str] = {}
    for problem in problems:
        name = problem.field.split(".", 1)[-1].split("[", 1)[0].split(".", 1)[0]  # address.detail → address
        out.setdefault(name, problem.message)
    return out


class SubmitHandler(PageHandler):
    @authenticated
    async def post(self, kind: str) -> None:
        kind = _kind(kind)
        key = self.get_body_argument("idempotency_key", "")
        try:
            case, _ = await drafts.submit_draft(self.ctx, self.person_id, kind, key, CHANNEL)
        except ValidationFailed:
            self.redirect(f"/h5/apply/{kind}/review")  # the review page lists what is missing
            return
        self.redirect(f"/h5/apply/done/{case['serial']}")


class DoneHandler(PageHandler):
    @authenticated
    async def get(self, serial: str) -> None:
        page = await party_pages.case_page(self.ctx, self.person_id, serial, "applicant")
        self.render_page("h5/done.html", case=page["case"], limitation=page["limitation"])


@tornado.web.stream_request_body
class UploadHandler(StreamedUploadMixin, ApiHandler):
    """POST /h5/files: the evidence page's upload (session cookie, XSRF token in the X-XSRFToken header)."""

    check_xsrf_cookie = tornado.web.RequestHandler.check_xsrf_cookie  # a cookie session needs it (ApiHandler skips)
    person: str = ""

    async def prepare(self) -> None:
        super().prepare()
        person = await session_person(self)
        if not person:
            raise Unauthorized("session_expired")
        self.person = person
        self.begin_upload()

    async def post(self) -> None:
        path, name = self.received_upload()
        self.send_json(await evidence.store_upload(self.ctx, self.services.blobs, self.person, path, name), 201)


routes = [
    (r"/h5/?", HomeHandler),
    (r"/h5/apply", ChooseKindHandler),
    (rf"/h5/apply/done/{SERIAL}", DoneHandler),
    (rf"/h5/apply/{APPLY_KIND}/submit", SubmitHandler),
    (rf"/h5/apply/{APPLY_KIND}/{APPLY_STEP}", StepHandler),
    (r"/h5/files", UploadHandler),
]
