"""The official account's H5 pages: WeChat OAuth sign-in, the guided application, 我的申请, progress."""

from __future__ import annotations

import uuid
from typing import Any

import tornado.web
from tornado.web import authenticated

from handlers.base import ApiHandler
from handlers.documents import requested_format, send_document
from handlers.files import send_download
from handlers.pages import PageHandler, session_person
from handlers.uploads import StreamedUploadMixin
from services.accounts import portal_accounts
from services.accounts.web_signin import new_state, person_from_oauth_code, safe_next, states_match
from services.cases import documents
from services.cases import handling as backoffice
from services.cases import views as cases
from services.cases.progress import check_progress
from services.core.errors import Conflict, FieldError, NotFound, ServiceError, Unauthorized, ValidationFailed
from services.intake import drafts, evidence
from services.intake import form as form

CHANNEL = "h5"


class OAuthStartHandler(PageHandler):
    """Sends the visitor to WeChat's authorisation with a fresh state bound to this browser."""

    def get(self) -> None:
        state = new_state()
        self.remember_oauth_attempt(state, safe_next(self.get_query_argument("next", None)))
        redirect_uri = self.ctx.settings.public_base_url + "/h5/oauth/callback"
        self.redirect(self.services.web_oauth.authorize_url(redirect_uri, state))


class OAuthCallbackHandler(PageHandler):
    async def get(self) -> None:
        attempt = self.oauth_attempt()
        code = self.get_query_argument("code", "")
        if not attempt or not states_match(attempt.get("state"), self.get_query_argument("state", None)):
            raise ServiceError(400, "oauth_state_invalid", "登录链接已失效或不是从本页面发起的，请重新进入")
        if not code:
            raise ServiceError(400, "oauth_denied", "您没有同意授权，无法继续办理；如需办理请重新进入并同意授权")
        person_id = await person_from_oauth_code(self.ctx, self.services.web_oauth, code)
        await self.sign_in(person_id)
        self.redirect(safe_next(attempt.get("next")))


class SignOutHandler(PageHandler):
    async def post(self) -> None:
        await self.sign_out()
        self.redirect("/h5/progress")


class HomeHandler(PageHandler):
    def get(self) -> None:
        self.redirect("/h5/apply")


class ChooseKindHandler(PageHandler):
    @authenticated
    def get(self) -> None:
        self.render_page("h5/apply.html", kinds=form.KIND_TITLES)


def _kind(kind: str) -> str:
    if kind not in form.KIND_TITLES:
        raise NotFound("application_kind_unknown")
    return kind


def _step(step: str) -> str:
    if step not in form.STEPS:
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
        self.redirect(f"/h5/apply/{kind}/{form.STEPS[form.STEPS.index(step) + 1]}")

    def _values(self, kind: str, step: str) -> Any:
        if step in form.FORM_STEPS:
            return form.values_from_form(
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
        common = {"kind": kind, "step": step, "steps": form.STEPS, "titles": form.STEP_TITLES,
                  "kind_title": form.KIND_TITLES[kind], "errors": errors}  # fmt: skip
        if step in form.FORM_STEPS:
            section = draft.get(step)
            if step == "applicant" and not section:  # a first visit: start from the signed-in person's identity
                section = await portal_accounts.applicant_prefill(self.ctx, self.person_id, kind)
            self.render_page("h5/step.html", status, fields=form.form_fields(kind, step),
                             values=form.form_values(section), **common)  # fmt: skip
        elif step == "notice":
            versions = self.ctx.settings.consent_versions
            self.render_page("h5/notice.html", status, version=versions[-1],
                             accepted=(draft.get("consent") or {}).get("accepted", False), **common)  # fmt: skip
        elif step == "evidence":
            self.render_page("h5/evidence.html", status, evidence=draft.get("evidence", []), **common)
        else:
            problems = await drafts.draft_problems(self.ctx, self.person_id, kind)
            await self._render_review(kind, draft, problems, common, status)

    async def _render_review(
        self, kind: str, draft: dict[str, Any], problems: list[FieldError], common: dict[str, Any], status: int
    ) -> None:
        sections = []
        for step in form.FORM_STEPS:
            shown = draft.get(step) or {}
            rows = [
                (f.label, form.choice_label(kind, step, f.name, shown.get(f.name)))
                for f in form.form_fields(kind, step)
            ]
            sections.append((step, form.STEP_TITLES[step], rows))
        self.render_page("h5/review.html", status, sections=sections, problems=problems,
                         evidence=draft.get("evidence", []), idempotency_key=uuid.uuid4().hex, **common)  # fmt: skip


def _by_field(problems: list[FieldError]) -> dict[str, str]:
    """Errors keyed by the field's name within its step ("applicant.phone" → "phone")."""
    out: dict[str, str] = {}
    for problem in problems:
        name = problem.field.split(".", 1)[-1].split("[", 1)[0]
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
        case = await cases.my_case(self.ctx, self.person_id, serial)
        self.render_page("h5/done.html", case=case)


class MyCasesHandler(PageHandler):
    @authenticated
    async def get(self) -> None:
        self.render_page("h5/cases.html", cases=await cases.my_cases(self.ctx, self.person_id))


class CaseHandler(PageHandler):
    @authenticated
    async def get(self, serial: str) -> None:
        case = await cases.my_case(self.ctx, self.person_id, serial)
        papers = await documents.documents_for_party(self.ctx, self.person_id, serial)
        deadline = await backoffice.applicant_deadline(self.ctx, case)
        self.render_page("h5/case.html", case=case, documents=papers, deadline=deadline)


class CaseDocumentHandler(PageHandler):
    @authenticated
    async def get(self, serial: str, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_party(self.ctx, self.services.blobs, self.person_id, serial, document_id)
        await send_document(self, self.services.pdf, file, fmt)


class ClarifiedHandler(PageHandler):
    """The request items the mediator wrote: the applicant confirms them or asks for a change."""

    @authenticated
    async def get(self, serial: str) -> None:
        self.render_page("h5/clarified.html", case=await cases.my_case(self.ctx, self.person_id, serial), error="")

    @authenticated
    async def post(self, serial: str) -> None:
        decision = self.get_body_argument("decision", "")
        try:
            if decision not in ("confirm", "change"):
                raise ValueError("decision")
            version = int(self.get_body_argument("version", "0"))
            await backoffice.answer_clarified(
                self.ctx, self.person_id, serial, version, decision == "confirm",
                self.get_body_argument("comment", ""), CHANNEL,
            )  # fmt: skip
        except (ValueError, ValidationFailed, Conflict) as exc:
            message = getattr(exc, "message", "请求无效，请刷新页面")
            case = await cases.my_case(self.ctx, self.person_id, serial)
            self.render_page("h5/clarified.html", 409 if isinstance(exc, Conflict) else 422, case=case, error=message)
            return
        self.redirect(f"/h5/cases/{serial}")


@tornado.web.stream_request_body
class H5FilesHandler(StreamedUploadMixin, ApiHandler):
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


class H5FileHandler(PageHandler):
    @authenticated
    async def get(self, file_id: str) -> None:
        reader = evidence.Reader.person(self.person_id)
        await send_download(self, await evidence.open_file(self.ctx, self.services.blobs, reader, file_id))


class WithdrawHandler(PageHandler):
    @authenticated
    async def post(self, serial: str) -> None:
        reason = self.get_body_argument("reason", "")[:500]
        await cases.withdraw(self.ctx, self.person_id, serial, reason, CHANNEL)
        self.redirect(f"/h5/cases/{serial}")


class ProgressPageHandler(PageHandler):
    """Public: anyone may check one case with its serial and the applicant's phone digits."""

    def get(self) -> None:
        self.render_page("h5/progress.html", result=None, errors={}, message="", serial="", phone_last4="")

    async def post(self) -> None:
        # POST, not a query string: the phone digits stay out of URLs, histories and access logs.
        serial = self.get_body_argument("serial", "")
        last4 = self.get_body_argument("phone_last4", "")
        result, errors, message = None, {}, ""
        try:
            result = await check_progress(
                self.ctx, self.services.progress_limiter, self.request.remote_ip or "", serial, last4
            )
        except ValidationFailed as exc:
            errors = {e.field: e.message for e in exc.errors}
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            message = exc.message
        self.render_page("h5/progress.html", result=result, errors=errors, message=message,
                         serial=serial, phone_last4=last4)  # fmt: skip


SERIAL = r"(\d{1,20})"
routes = [
    (r"/h5/?", HomeHandler),
    (r"/h5/oauth/start", OAuthStartHandler),
    (r"/h5/oauth/callback", OAuthCallbackHandler),
    (r"/h5/signout", SignOutHandler),
    (r"/h5/apply", ChooseKindHandler),
    (r"/h5/apply/done/" + SERIAL, DoneHandler),
    (r"/h5/apply/([a-z]+)/submit", SubmitHandler),
    (r"/h5/apply/([a-z]+)/([a-z]+)", StepHandler),
    (r"/h5/cases", MyCasesHandler),
    (r"/h5/cases/" + SERIAL, CaseHandler),
    (r"/h5/cases/" + SERIAL + "/withdraw", WithdrawHandler),
    (r"/h5/cases/" + SERIAL + "/clarified", ClarifiedHandler),
    (r"/h5/cases/" + SERIAL + "/documents/([0-9a-f]{32})", CaseDocumentHandler),
    (r"/h5/files", H5FilesHandler),
    (r"/h5/files/([0-9a-f]{32})", H5FileHandler),
    (r"/h5/progress", ProgressPageHandler),
]
