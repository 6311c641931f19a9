"""DocumentRenderer: templates loaded once at start, then one pure, thread-safe render per document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes

from docgen.context import IMAGES, KINDS, build_context
from docgen.errors import UnknownDocumentKind
from docgen.qr import qr_png
from docgen.templates import load_templates
from docgen.words import Words

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
QR_WIDTH_MM = 28.0


@dataclass(frozen=True)
class RenderedDocument:
    """A generated document: its bytes, their SM3 fingerprint, and what the /verify page shows."""

    kind: str
    title: str
    document_id: str
    serial: str
    issued_at: datetime
    data: bytes = field(repr=False)
    sm3_hex: str
    media_type: str = DOCX_MEDIA_TYPE

    @property
    def filename(self) -> str:
        """E.g. 20261122000171-调解协议书.docx."""
        return f"{self.serial}-{self.title}.docx"


def sm3_hex(data: bytes) -> str:
    """The SM3 fingerprint of `data`, as lower-case hex (64 characters)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


class DocumentRenderer:
    """Build once at start (reads, checks and compiles the templates); `render` is safe in threads."""

    def __init__(self, words: Words, template_dir: str | Path | None = None) -> None:
        """`words`: the titles and labels documents print; `template_dir`: a centre's folder of templates
        (<kind>.docx), kinds it lacks use the defaults."""
        self.words = words
        self.template_dir = template_dir
        self._templates = load_templates(words, template_dir)

    @property
    def kinds(self) -> list[str]:
        return list(KINDS)

    def render(
        self,
        kind: str,
        case: dict,
        *,
        document_id: str,
        verify_url: str,
        issued_at: datetime,
        images: dict[str, bytes] | None = None,
    ) -> RenderedDocument:
        """The document `kind` filled from `case`, with a QR code of `verify_url` and `document_id`.

        `images`: PNG bytes of the signatures and the seal by variable (`sig_applicant`, `sig_respondent`,
        `sig_mediator`, `seal`: context.IMAGES); those not given print nothing. Raises DocumentRefused
        when the case cannot fill it (e.g. an agreement before settlement) and UnknownDocumentKind for a
        kind not in KINDS. Pure: reads nothing but its arguments.
        """
        if kind not in self._templates:
            raise UnknownDocumentKind(kind, KINDS)
        if not document_id or not verify_url:
            raise ValueError("document_id and verify_url are required")
        if issued_at.tzinfo is None:
            issued_at = issued_at.replace(tzinfo=UTC)
        context = build_context(
            kind, case, words=self.words, document_id=document_id, verify_url=verify_url, issued_at=issued_at
        )
        placed = {"qr": (qr_png(verify_url), QR_WIDTH_MM)}
        for name, png in (images or {}).items():
            if name not in IMAGES:
                raise ValueError(f"no image placeholder {name!r} (one of {', '.join(IMAGES)})")
            if png:
                placed[name] = (png, IMAGES[name])
        data = self._templates[kind].render(context, images=placed, identifier=document_id, created=issued_at)
        return RenderedDocument(
            kind=kind,
            title=context["title"],
            document_id=document_id,
            serial=context["serial"],
            issued_at=issued_at,
            data=data,
            sm3_hex=sm3_hex(data),
        )
