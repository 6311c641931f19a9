"""Fixtures for docgen tests: one renderer for the session, and a way to render and read back."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx
import pytest

from docgen.render import DocumentRenderer, RenderedDocument
from tests.support.docgen_cases import DOCUMENT_ID, ISSUED_AT, VERIFY_URL, WORDS


@pytest.fixture(scope="session")
def renderer() -> DocumentRenderer:
    return DocumentRenderer(WORDS)


@pytest.fixture
def render(renderer: DocumentRenderer) -> Callable[[str, dict], tuple[RenderedDocument, docx.document.Document]]:
    """render(kind, case) -> (the result, the .docx opened again with python-docx)."""

    def _render(kind: str, case: dict) -> tuple[RenderedDocument, docx.document.Document]:
        result = renderer.render(kind, case, document_id=DOCUMENT_ID, verify_url=VERIFY_URL, issued_at=ISSUED_AT)
        return result, docx.Document(io.BytesIO(result.data))

    return _render
