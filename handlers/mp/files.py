"""Evidence uploads and downloads for the mini-program."""

from __future__ import annotations

import tornado.web

from handlers.downloads import send_download
from handlers.mp.base import MpHandler
from handlers.uploads import StreamedUploadMixin
from handlers.urls import FILE_ID
from services.core.errors import ServiceError
from services.intake import evidence


@tornado.web.stream_request_body
class FilesHandler(StreamedUploadMixin, MpHandler):
    """POST /api/mp/files: multipart (field `file`) or a raw body with X-File-Name → 201 {id, name, kind, size}."""

    person: str = ""

    async def prepare(self) -> None:
        await super().prepare()
        self.person = self.person_id()  # before a single byte of the body is accepted
        if self.request.method == "POST":
            try:
                await self.notice_read()
            except ServiceError as exc:  # 409 consent_required: said once the phone has sent its file
                self.refuse_after_body(exc)
                return
        self.begin_upload()

    async def post(self) -> None:
        path, name = self.received_upload()
        self.send_json(await evidence.store_upload(self.ctx, self.services.blobs, self.person, path, name), 201)


class FileHandler(MpHandler):
    """GET /api/mp/files/{id}: the file, streamed, to someone allowed to read it (404 for anyone else); PUT: its
    uploader says where it came from and what it proves ({source, proves}, both optional)."""

    async def get(self, file_id: str) -> None:
        reader = evidence.Reader.person(self.person_id())
        await send_download(self, await evidence.open_file(self.ctx, self.services.blobs, reader, file_id))

    async def put(self, file_id: str) -> None:
        self.send_json(await evidence.note_own_file(self.ctx, self.person_id(), file_id, self.json_object()))


routes = [
    (r"/api/mp/files", FilesHandler),
    (rf"/api/mp/files/{FILE_ID}", FileHandler),
]
