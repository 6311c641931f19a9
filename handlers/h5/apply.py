"""The guided application in H5 pages: choose who applies, one step per page, submit.

Every step is saved as the person types (the page posts `autosave=1` in the background, and once more when
it is closed), so closing the page loses nothing; a returning person lands on the step they were last on.
"保存并继续" saves and moves on (or shows the step again with an error summary at the top); "上一步" saves
whatever was typed and goes back. After submitting, the review page answers with the case's done page.
"""

from __future__ import annotations

import uuid
from typing import Any

import tornado.web

from handlers.access import public
from handlers.pages import PageHandler, PersonApiHandler
from handlers.uploads import StreamedUploadMixin
from handlers.urls import APPLY_KIND, APPLY_STEP, SERIAL
from services.accounts import portal_accounts
from services.cases import party_pages
from services.core.context import shanghai_iso
from services.core.errors import FieldError, NotFound, ValidationFailed
from services.directory import nationalities
from services.intake import drafts, evidence, reference
from services.intake import form as application_form

CHANNEL = "h5"
STEPS = application_form.STEPS


class HomeHandler(PageHandler):
    @public  # only a redirect: the application itself needs the session
    def get(self) -> None:
        self.redirect("/h5/apply")


class ChooseKindHandler(PageHandler):
    async def get(self) -> None:
        resumable = {
            kind: await drafts.last_step(self.ctx, self.person_id, kind) for kind in application_form.KIND_TITLES
        }
        kinds = {kind: title.text(self.language) for kind, title in application_form.KIND_TITLES.items()}
        self.render_page("h5/apply.html", kinds=kinds, resumable=resumable)


class ResumeHandler(PageHandler):
    """`/h5/apply/{kind}`: where this person left their draft of that kind (the notice for a new one)."""

    async def get(self, kind: str) -> None:
        kind = _kind(kind)
        step = await drafts.last_step(self.ctx, self.person_id, kind)
        self.redirect(f"/h5/apply/{kind}/{step or STEPS[0]}")


def _kind(kind: str) -> str:
    if kind not in application_form.KIND_TITLES:
        raise NotFound("application_kind_unknown")
    return kind


def _step(step: str) -> str:
    if step not in STEPS:
        raise NotFound("page_not_found")
    return step


class StepHandler(PageHandler):
    """One step of the guided application: shows the draft, saves what was entered, moves on or back."""

    async def get(self, kind: str, step: str) -> None:
        kind, step = _kind(kind), _step(step)
        draft = await self._draft(kind)
        if step == "review" and "kind" in draft and len(draft) == 1:  # nothing written since submitting?
            serial = await drafts.submitted_serial(self.ctx, self.person_id, kind)
            if serial:  # "back" after submitting: the case it became, not an empty review
                self.redirect(f"/h5/apply/done/{serial}")
                return
        await drafts.note_step(self.ctx, self.person_id, kind, step)
        await self._render_step(kind, step, draft, [])

    async def post(self, kind: str, step: str) -> None:
        kind, step = _kind(kind), _step(step)
        if step == "review":
            raise tornado.web.HTTPError(405)
        values = self._values(kind, step)
        removed = self.get_body_argument("remove", "")
        if step == "evidence" and removed:  # "删除" beside a file: out of the draft, and gone
            values = [file_id for file_id in values if file_id != removed]
            await evidence.discard(self.ctx, self.services.blobs, self.person_id, removed)
        if step == "evidence":  # where each file came from and what it proves (optional, 调解仲裁法 art. 28)
            given = {i: {k: self.get_body_argument(f"{k}.{i}", None) for k in evidence.NOTE_FIELDS} for i in values}
            notes = {i: {k: v for k, v in note.items() if v is not None} for i, note in given.items()}
            await evidence.note_own_files(self.ctx, self.person_id, notes)
        kept, problems = await drafts.save_step(self.ctx, self.person_id, kind, step, values)
        if self.get_body_argument("autosave", ""):  # the page saving as the person types: no page back
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish({"saved": kept, "at": shanghai_iso(self.ctx.clock())})
            return
        go = self.get_body_argument("go", "next")
        index = STEPS.index(step)
        if go == "back" and index > 0:
            self.redirect(f"/h5/apply/{kind}/{STEPS[index - 1]}")
        elif removed:
            self.redirect(f"/h5/apply/{kind}/{step}")
        elif problems:
            draft = await self._draft(kind)
            draft[drafts.STEP_SECTIONS[step]] = values
            await self._render_step(kind, step, draft, problems, status=422)
        else:
            self.redirect(f"/h5/apply/{kind}/{STEPS[index + 1]}")

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
        self, kind: str, step: str, draft: dict[str, Any], problems: list[FieldError], status: int = 200
    ) -> None:
        fields = (
            application_form.form_fields(kind, step, await nationalities.ranked(self.ctx), self.language)
            if step in application_form.FORM_STEPS
            else []
        )
        summary = _summary(problems, fields, self.language)
        titles = {s: title.text(self.language) for s, title in application_form.STEP_TITLES.items()}
        common = {
            "kind": kind,
            "step": step,
            "steps": STEPS,
            "titles": titles,
            "kind_title": application_form.KIND_TITLES[kind].text(self.language),
            "errors": {s.name: s.message for s in summary},
            "summary": summary,
            "done": drafts.done_steps(draft),
            "previous": STEPS[STEPS.index(step) - 1] if step != STEPS[0] else "",
        }
        if step in application_form.FORM_STEPS:
            section = draft.get(step)
            if step == "applicant" and not section:  # a first visit: start from the signed-in person's identity
                section = await portal_accounts.applicant_prefill(self.ctx, self.person_id, kind)
            if step == "service" and not section:  # the address the applicant gave, to confirm for service
                section = application_form.service_prefill(kind, draft)
            self.render_page(
                "h5/step.html", status, fields=fields, values=application_form.form_values(section), **common
            )
        elif step == "notice":
            self.render_page(
                "h5/notice.html",
                status,
                notice=reference.notice(self.ctx, self.language),
                accepted=(draft.get("consent") or {}).get("accepted", False),
                **common,
            )
        elif step == "evidence":
            files = await evidence.describe(self.ctx, self.person_id, draft.get("evidence", []))
            self.render_page("h5/evidence.html", status, files=files, **common)
        else:
            problems = await drafts.draft_problems(self.ctx, self.person_id, kind)
            files = await evidence.describe(self.ctx, self.person_id, draft.get("evidence", []))
            sections = application_form.review_sections(kind, draft, self.language)
            self.render_page(
                "h5/review.html",
                status,
                sections=sections,
                problems=problems,
                files=files,
                idempotency_key=uuid.uuid4().hex,
                **common,
            )


class Problem:
    """One line of a step's error summary: the field's name in the form, its words, where it is on the page."""

    def __init__(self, name: str, message: str, anchor: str) -> None:
        self.name, self.message, self.anchor = name, message, anchor


def _summary(problems: list[FieldError], fields: list[application_form.FormField], locale: str) -> list[Problem]:
    """Each field's first problem, in the order the fields are on the page, each linking to its field."""
    order = {f.name: i for i, f in enumerate(fields)}
    seen: dict[str, Problem] = {}
    for problem in problems:
        parts = problem.field.split(".", 1)
        name = parts[-1].split("[", 1)[0]
        base = name.split(".", 1)[0]  # address.region_code → address
        anchor = f"f-{base}"
        if base in order and name != base:  # an address: its lists or its street
            anchor = f"f-{base}-{'detail' if name.endswith('detail') else 'region'}"
        elif base in order and any(f.name == base and f.input == "radio" for f in fields):
            anchor = f"f-{base}-true"
        seen.setdefault(base, Problem(base, problem.message_in(locale), anchor))
    return sorted(seen.values(), key=lambda p: order.get(p.name, len(order)))


class SubmitHandler(PageHandler):
    async def post(self, kind: str) -> None:
        kind = _kind(kind)
        key = self.get_body_argument("idempotency_key", "")
        try:
            case, _ = await drafts.submit_draft(self.ctx, self.person_id, kind, key, CHANNEL, require_service=True)
        except ValidationFailed:
            self.redirect(f"/h5/apply/{kind}/review")  # the review page lists what is missing
            return
        except NotFound:  # submitted already (a second tap, or back and submit again): its case
            serial = await drafts.submitted_serial(self.ctx, self.person_id, kind)
            if not serial:
                raise
            case = {"serial": serial}
        self.redirect(f"/h5/apply/done/{case['serial']}")


class DoneHandler(PageHandler):
    async def get(self, serial: str) -> None:
        page = await party_pages.case_page(self.ctx, self.person_id, serial, "applicant", self.language)
        self.render_page("h5/done.html", case=page["case"], limitation=page["limitation"])


@tornado.web.stream_request_body
class UploadHandler(StreamedUploadMixin, PersonApiHandler):
    """POST /h5/files: the evidence page's upload (session cookie, XSRF token in the X-XSRFToken header)."""

    person: str = ""

    async def prepare(self) -> None:
        await super().prepare()  # the session (a 401 without one) before a single byte of the body is accepted
        self.person = self.current_user
        self.begin_upload()

    async def post(self) -> None:
        path, name = self.received_upload()
        self.send_json(await evidence.store_upload(self.ctx, self.services.blobs, self.person, path, name), 201)


routes = [
    (r"/h5/?", HomeHandler),
    (r"/h5/apply", ChooseKindHandler),
    (rf"/h5/apply/done/{SERIAL}", DoneHandler),
    (rf"/h5/apply/{APPLY_KIND}", ResumeHandler),
    (rf"/h5/apply/{APPLY_KIND}/submit", SubmitHandler),
    (rf"/h5/apply/{APPLY_KIND}/{APPLY_STEP}", StepHandler),
    (r"/h5/files", UploadHandler),
]
