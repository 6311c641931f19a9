"""Sending a generated document (.docx as issued, or a PDF copy) to whoever may have it."""

from __future__ import annotations

import tornado.web

from handlers.files import content_disposition
from platforms.pdf import PdfConverter
from services.cases import documents
from services.core.errors import ServiceError

FORMATS = ("docx", "pdf")


def requested_format(handler: tornado.web.RequestHandler) -> str:
    """`?format=`: docx (the default) or pdf; anything else is refused before the document is read."""
    fmt = handler.get_query_argument("format", "docx")
    if fmt not in FORMATS:
        raise ServiceError(400, "format_invalid", "文件格式只能是 docx 或 pdf", field="format")
    return fmt


async def send_document(
    handler: tornado.web.RequestHandler, pdf: PdfConverter, file: documents.DocumentFile, fmt: str
) -> None:
    """The .docx as issued, or a PDF copy where LibreOffice is installed (503 otherwise)."""
    if fmt == "pdf":
        file = await documents.as_pdf(pdf, file)
    handler.set_header("Content-Type", file.content_type)
    handler.set_header("Content-Disposition", content_disposition(file.filename))
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.finish(file.data)
