"""Sending a generated document (.docx as issued, or a PDF copy) to whoever may have it."""

from __future__ import annotations

import tornado.web

from handlers.files import content_disposition
from services import documents
from services.pdf import PdfConverter


async def send_document(
    handler: tornado.web.RequestHandler, pdf: PdfConverter, file: documents.DocumentFile, fmt: str
) -> None:
    """The .docx as issued, or a PDF copy where LibreOffice is installed (503 otherwise)."""
    data, name, content_type = file.data, file.filename, file.content_type
    if fmt == "pdf":
        data, name, content_type = await pdf.convert(file.data), file.filename[:-5] + ".pdf", "application/pdf"
    handler.set_header("Content-Type", content_type)
    handler.set_header("Content-Disposition", content_disposition(name))
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.finish(data)
