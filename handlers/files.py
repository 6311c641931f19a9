"""Evidence uploads and downloads for the mini-program (bearer token); the H5 pages reuse the same pieces."""

from __future__ import annotations

import urllib.parse

import tornado.web

from handlers.base import ApiHandler
from handlers.uploads import StreamedUploadMixin
from services.intake import evidence


@tornado.web.stream_request_body
class FilesHandler(StreamedUploadMixin, ApiHandler):
    """POST /api/mp/files: multipart (field `file`) or a raw body with X-File-Name → 201 {id, name, kind, size}."""

    person: str = ""

    async def prepare(self) -> None:
        super().prepare()
        self.person = self.person_id()  # before a single byte of the body is accepted
        self.begin_upload()

    async def post(self) -> None:
        path, name = self.received_upload()
        self.send_json(await evidence.store_upload(self.ctx, self.services.blobs, self.person, path, name), 201)


class FileHandler(ApiHandler):
    """GET /api/mp/files/{id}: the file, streamed, to someone allowed to read it (404 for anyone else)."""

    async def get(self, file_id: str) -> None:
        reader = evidence.Reader.person(self.person_id())
        await send_download(self, await evidence.open_file(self.ctx, self.services.blobs, reader, file_id))


async def send_download(handler: tornado.web.RequestHandler, download: evidence.Download) -> None:
    """Stream a stored file as an attachment that no browser will run or sniff."""
    handler.set_header("Content-Type", download.content_type)
    handler.set_header("Content-Length", str(download.size))
    handler.set_header("Content-Disposition", content_disposition(download.name))
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Content-Security-Policy", "default-src 'none'; sandbox")
    if download.sha256:
        handler.set_header("Etag", f'"{download.sha256}"')
    async for chunk in download.chunks:
        handler.write(chunk)
        await handler.flush()  # one chunk in memory at a time
    handler.finish()


def content_disposition(name: str) -> str:
    """An attachment header every browser reads: an ASCII fallback plus the UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


FILE_ID = r"([0-9a-f]{32})"

routes = [
    (r"/api/mp/files", FilesHandler),
    (rf"/api/mp/files/{FILE_ID}", FileHandler),
]
