"""Documents of a mediation case (.docx from docxtpl templates), with no HTTP and no database."""

from docgen.context import KINDS, VARIABLES
from docgen.errors import DocgenError, DocumentRefused, TemplateProblem, UnknownDocumentKind
from docgen.render import DOCX_MEDIA_TYPE, DocumentRenderer, RenderedDocument, sm3_hex
from docgen.words import Words

__all__ = [
    "DOCX_MEDIA_TYPE",
    "KINDS",
    "VARIABLES",
    "DocgenError",
    "DocumentRefused",
    "DocumentRenderer",
    "RenderedDocument",
    "TemplateProblem",
    "UnknownDocumentKind",
    "Words",
    "sm3_hex",
]
