""" "我的数据" for the mini-program (docs/privacy.md): what the service holds about the caller and who looked at it,
the copy (JSON or PDF, with a token issued within the last minutes: else 401 `reauth_required`, and the mini-program
signs in again with wx.login), consents with their versions, correction requests, deletion where the law allows."""

from __future__ import annotations

from handlers.access import reveals_personal_data
from handlers.downloads import content_disposition
from handlers.mp.base import CHANNEL, MpHandler
from handlers.urls import CONSENT_PURPOSE
from services.accounts import consents
from services.core.errors import Unauthorized
from services.privacy import my_data


class MeHandler(MpHandler):
    async def get(self) -> None:
        self.send_json(await my_data.page(self.ctx, self.person_id(), self.language))


class CopyHandler(MpHandler):
    """`GET /api/mp/me/copy?format=json|pdf`: the copy, to a token issued within the last minutes only."""

    @reveals_personal_data("my_data_copy")  # recorded: the person was given a copy
    async def get(self) -> None:
        person = self.person_id()
        fmt = self.get_query_argument("format", "json")
        if fmt not in ("json", "pdf"):
            self.nothing_shown()
            raise my_data.format_refused()
        if not my_data.token_proves(self._issued_ms):
            self.nothing_shown()
            raise Unauthorized("reauth_required")
        of = self.get_query_argument("person", "")
        if of and of != person:
            self.nothing_shown()
            raise my_data.not_yours()
        name, content_type, data = await my_data.copy_file(self.ctx, self.services.pdf, person, fmt, self.language, of)
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", content_disposition(name))
        self.finish(data)


class CorrectionsHandler(MpHandler):
    async def post(self) -> None:
        person = self.person_id()
        self.send_json(await my_data.request_correction(self.ctx, person, self.json_object(), CHANNEL), 201)


class DeletionsHandler(MpHandler):
    async def post(self) -> None:
        person = self.person_id()
        target = self.json_object().get("target")
        done = await my_data.delete(self.ctx, self.services.blobs, person, target)
        if done["deleted"] == "account":
            await self.services.sign_outs.sign_out(self.ctx, person)  # this process refuses the token at once
        self.send_json(done)


class ConsentsHandler(MpHandler):
    async def get(self) -> None:
        self.send_json(await consents.status(self.ctx, self.person_id(), self.language))


class ConsentHandler(MpHandler):
    async def put(self, purpose: str) -> None:
        person = self.person_id()
        self.send_json(await my_data.set_consent(self.ctx, person, purpose, self.json_object(), CHANNEL))


routes = [
    (r"/api/mp/me", MeHandler),
    (r"/api/mp/me/copy", CopyHandler),
    (r"/api/mp/me/corrections", CorrectionsHandler),
    (r"/api/mp/me/deletions", DeletionsHandler),
    (r"/api/mp/consents", ConsentsHandler),
    (rf"/api/mp/consents/{CONSENT_PURPOSE}", ConsentHandler),
]
