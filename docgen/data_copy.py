"""A copy of a person's data as a document people read (个人信息保护法 art. 45): a title, a line saying when it was
made, then each section as a heading and its lines "label: value". Its words are the caller's (services/privacy);
the official page set-up of every document here; a PDF is made from it as from any document (platforms/pdf.py)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from docgen.build_templates import body, heading, new_document, title


@dataclass(frozen=True)
class Section:
    heading: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DataCopy:
    title: str
    intro: tuple[str, ...]
    sections: tuple[Section, ...]
    empty: str  # what a section without a line says


def render_copy(copy: DataCopy) -> bytes:
    doc = new_document(copy.title)
    title(doc, copy.title)
    for line in copy.intro:
        body(doc, line, indent=False)
    for section in copy.sections:
        heading(doc, section.heading)
        for label, value in section.rows or ((copy.empty, ""),):
            body(doc, f"{label}: {value}" if value else label, indent=False)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
