"""Helpers to read a generated document back: paragraphs, sections, tables, list items."""

from __future__ import annotations

import io
import zipfile

from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph


def paragraphs(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def all_texts(doc: Document) -> list[str]:
    """Every paragraph, every table cell (nested paragraphs included) and every footer line."""
    texts = paragraphs(doc)
    for table in doc.tables:
        for row in table.rows:
            texts += [cell.text for cell in row.cells]
    for section in doc.sections:
        texts += [p.text for p in section.footer.paragraphs]
    return texts


def section(doc: Document, heading: str) -> list[str]:
    """The texts of the paragraphs after the heading `heading`, up to the next heading."""
    out: list[str] = []
    inside = False
    for p in doc.paragraphs:
        if p.style is not None and p.style.name == "DocHeading":
            if inside:
                break
            inside = p.text == heading
        elif inside:
            out.append(p.text)
    assert inside or out, f"no heading {heading!r}"
    return out


def after(doc: Document, text: str) -> str:
    """The text of the paragraph right after the first one that reads `text`."""
    texts = paragraphs(doc)
    return texts[texts.index(text) + 1]


def pairs(table: Table) -> dict[str, str]:
    """A label | value table as a dict."""
    return {row.cells[0].text: row.cells[1].text for row in table.rows}


def rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def num_id(p: Paragraph) -> int | None:
    """The Word list (numbering definition) a paragraph belongs to, if any."""
    found = p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    return int(found[0]) if found else None


def list_items(doc: Document, list_id: int) -> list[str]:
    return [p.text for p in doc.paragraphs if num_id(p) == list_id]


def part_xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name).decode("utf-8")


def every_part_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels"))
