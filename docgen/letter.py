"""The letter a worker sends the employer to negotiate before (or beside) mediation: a plain .docx in the official
page set-up, its words given by the caller (调解仲裁法 art. 4: a worker may negotiate with the employer and settle)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from docgen.build_templates import body, heading, new_document, right, title


@dataclass(frozen=True)
class Letter:
    title: str
    salutation: str
    paragraphs: tuple[str, ...]
    requests_heading: str
    requests: tuple[str, ...]
    closing: tuple[str, ...]
    signature: str
    dated: str


def render_letter(letter: Letter) -> bytes:
    doc = new_document(letter.title, document_id=False)  # no template: no placeholder in its footer
    title(doc, letter.title)
    body(doc, letter.salutation, indent=False)
    for paragraph in letter.paragraphs:
        body(doc, paragraph)
    if letter.requests:
        heading(doc, letter.requests_heading)
        for number, item in enumerate(letter.requests, 1):
            body(doc, f"{number}. {item}")
    for paragraph in letter.closing:
        body(doc, paragraph)
    right(doc, letter.signature)
    right(doc, letter.dated)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
