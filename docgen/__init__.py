"""Documents of a mediation case (.docx from docxtpl templates), with no HTTP and no database."""

from docgen.context import KINDS, TITLES, VARIABLES
from docgen.errors import DocgenError, DocumentRefused, TemplateProblem, UnknownDocumentKind
from docgen.render import DOCX_MEDIA_TYPE, DocumentRenderer, RenderedDocument, sm3_hex

__all__ = [
    "DOCX_MEDIA_TYPE", "KINDS", "TITLES", "VARIABLES", "DocgenError", "DocumentRefused", "DocumentRenderer",
    "RenderedDocument", "TemplateProblem", "UnknownDocumentKind", "sm3_hex",
]
