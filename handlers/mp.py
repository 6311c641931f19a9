"""The mini-program's JSON API: sign-in, applications ("我的申请"), drafts."""

from __future__ import annotations

from typing import Any

from handlers.base import ApiHandler
from handlers.documents import requested_format, send_document
from services.accounts.mp_sessions import sign_in_with_code
from services.cases import documents
from services.cases import handling as backoffice
from services.cases import views as cases
from services.core.errors import ServiceError
from services.intake import drafts

CHANNEL = "mp"


def _text_field(body: Any, name: str, max_length: int, required: bool) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ServiceError(400, "required", f"请提供 {name}", name)
    if len(value) > max_length:
        raise ServiceError(400, "too_long", f"{name} 不能超过 {max_length} 个字", name)
    return value.strip()


class SessionHandler(ApiHandler):
    async def post(self) -> None:
        code = _text_field(self.json_body(), "code", 128, required=True)
        result = await sign_in_with_code(self.ctx, self.services.wechat_mp, self.services.tokens, code)
        self.send_json(result)


class ApplicationsHandler(ApiHandler):
    async def get(self) -> None:
        items = await cases.my_cases(self.ctx, self.person_id())
        self.send_json({"items": items})

    async def post(self) -> None:
        person_id = self.person_id()
        case, _ = await cases.submit_application(
            self.ctx, person_id, self.request.headers.get("Idempotency-Key"), self.json_body(), CHANNEL
        )
        self.send_json(case, 201)


class ApplicationHandler(ApiHandler):
    async def get(self, serial: str) -> None:
        self.send_json(await cases.my_case(self.ctx, self.person_id(), serial))


class WithdrawHandler(ApiHandler):
    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        reason = _text_field(self.json_body(), "reason", 500, required=False)
        self.send_json(await cases.withdraw(self.ctx, person_id, serial, reason, CHANNEL))


class ClarifiedAnswerHandler(ApiHandler):
    """The applicant's answer to the request items the mediator pushed: confirm, or ask for a change."""

    async def post(self, serial: str) -> None:
        person_id = self.person_id()
        body = self.json_body()
        if not isinstance(body, dict) or body.get("decision") not in ("confirm", "change"):
            raise ServiceError(400, "decision_invalid", "请选择确认（confirm）或要求修改（change）", "decision")
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ServiceError(400, "version_invalid", "缺少请求事项的版本号", "version")
        comment = _text_field(body, "comment", 1000, required=False)
        case = await backoffice.answer_clarified(
            self.ctx, person_id, serial, version, body["decision"] == "confirm", comment, CHANNEL
        )
        self.send_json(case)


class DocumentsHandler(ApiHandler):
    async def get(self, serial: str) -> None:
        items = await documents.documents_for_party(self.ctx, self.person_id(), serial)
        for item in items:
            item["download"] = f"/api/mp/applications/{serial}/documents/{item['id']}"
        self.send_json({"items": items})


class DocumentHandler(ApiHandler):
    async def get(self, serial: str, document_id: str) -> None:
        fmt = requested_format(self)
        file = await documents.document_for_party(self.ctx, self.services.blobs, self.person_id(), serial, document_id)
        await send_document(self, self.services.pdf, file, fmt)


class DraftHandler(ApiHandler):
    async def get(self, kind: str) -> None:
        self.send_json(await drafts.load_draft(self.ctx, self.person_id(), kind))

    async def put(self, kind: str) -> None:
        person_id = self.person_id()
        self.send_json(await drafts.save_draft(self.ctx, person_id, kind, self.json_body()))

    async def delete(self, kind: str) -> None:
        await drafts.delete_draft(self.ctx, self.person_id(), kind)
        self.set_status(204)
        self.finish()


class DraftSubmitHandler(ApiHandler):
    async def post(self, kind: str) -> None:
        person_id = self.person_id()
        case, _ = await drafts.submit_draft(
            self.ctx, person_id, kind, self.request.headers.get("Idempotency-Key"), CHANNEL
        )
        self.send_json(case, 201)


SERIAL = r"(\d{1,20})"
KIND = r"([a-z_]{1,20})"

routes = [
    (r"/api/mp/session", SessionHandler),
    (r"/api/mp/applications", ApplicationsHandler),
    (rf"/api/mp/applications/{SERIAL}", ApplicationHandler),
    (rf"/api/mp/applications/{SERIAL}/withdraw", WithdrawHandler),
    (rf"/api/mp/applications/{SERIAL}/clarified", ClarifiedAnswerHandler),
    (rf"/api/mp/applications/{SERIAL}/documents", DocumentsHandler),
    (rf"/api/mp/applications/{SERIAL}/documents/([0-9a-f]{{32}})", DocumentHandler),
    (rf"/api/mp/drafts/{KIND}", DraftHandler),
    (rf"/api/mp/drafts/{KIND}/submit", DraftSubmitHandler),
]
