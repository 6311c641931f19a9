"""Sending stored files to whoever may have them: evidence (streamed) and documents (.docx or a PDF copy)."""

from __future__ import annotations

import urllib.parse

import tornado.web

from handlers.base import ServiceHandler
from platforms.pdf import PdfConverter
from services.cases import documents
from services.core.errors import ServiceError
from services.intake import evidence

FORMATS = ("docx", "pdf")


async def send_download(handler: tornado.web.RequestHandler, download: evidence.Download) -> None:
    """Stream a stored file as an attachment that no browser will run or sniff."""
    handler.set_header("Content-Type", download.content_type)
    handler.set_header("Content-Length", str(download.size))
    handler.set_header("Content-Disposition", content_disposition(download.name))
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Content-Security-Policy", "default-src 'none'; sandbox")
    if download.sha256:
        handler.set_header("Etag", f'"{download.sha256}"')
    if hasattr(handler, "durable"):
        await handler.durable()  # the audit of a staff download is on the disk before any byte goes out
    async for chunk in download.chunks:
        handler.write(chunk)
        await handler.flush()  # one chunk in memory at a time
    handler.finish()


def content_disposition(name: str) -> str:
    """An attachment header every browser reads: an ASCII fallback plus the UTF-8 name (RFC 6266 / 5987)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


def requested_format(handler: tornado.web.RequestHandler) -> str:
    """`?format=`: docx (the default) or pdf; anything else is refused before the document is read."""
    fmt = handler.get_query_argument("format", "docx")
    if fmt not in FORMATS:
        raise ServiceError(400, "format_invalid", field="format")
    return fmt


async def send_document(handler: ServiceHandler, pdf: PdfConverter, file: documents.DocumentFile, fmt: str) -> None:
    """The .docx as issued, or a PDF copy where LibreOffice is installed (503 otherwise)."""
    if fmt == "pdf":
        file = await documents.as_pdf(handler.ctx, handler.services.blobs, pdf, file)
    handler.set_header("Content-Type", file.content_type)
    handler.set_header("Content-Disposition", content_disposition(file.filename))
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.finish(file.data)
