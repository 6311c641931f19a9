"""The one place that leans on docxtpl's internals: a template prepared once, rendered many times.

A bare `DocxTemplate(path).render(ctx)` re-reads the body XML, cleans it up with docxtpl's
regular expressions (`patch_xml`) and compiles it with jinja2 on every render: most of its time.
`PreparedDocx` does that once. Each render still opens a fresh python-docx document from the
template's bytes (rendering changes it) and hands the cached jinja source to docxtpl's own
`render_xml_part`, so the XML that comes out is the one docxtpl would make.

Relies on docxtpl 0.20.2 (pinned in requirements.txt): `DocxTemplate.render` calls
`build_xml(context, jinja_env)` for the body and `build_headers_footers_xml(context, uri,
jinja_env)` for headers and footers, `render_xml_part` compiles with `jinja_env.from_string`
(so do the core properties and footnotes: the cache covers them too; its keys are the template's
own sources, a bounded set), and with autoescape=True it only sets `jinja_env.autoescape = True`
on our shared environment, which already has it. tests/docgen/test_docgen_engine.py pins this.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage


class _CompileOnceEnvironment(jinja2.Environment):
    """A jinja2 environment whose `from_string` compiles each distinct source once (thread-safe)."""

    def __init__(self) -> None:
        super().__init__(autoescape=True)  # as docxtpl builds it for autoescape=True
        self._compiled: dict[str, jinja2.Template] = {}
        self._lock = threading.Lock()
        self.compilations = 0  # read by tests

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 (jinja's name)
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            with self._lock:
                template = self._compiled.get(source)
                if template is None:
                    template = super().from_string(source)
                    self._compiled[source] = template
                    self.compilations += 1
        return template


class PreparedDocx:
    """A docxtpl template read, cleaned and compiled once; `render` may run in several threads."""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        self.data = data
        self.env = _CompileOnceEnvironment()
        tpl = DocxTemplate(io.BytesIO(data))
        tpl.init_docx()
        self.body_source: str = tpl.patch_xml(tpl.get_xml())
        # headers and footers, by part name: (jinja source, encoding)
        self.part_sources: dict[str, tuple[str, str]] = {}
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _rel_key, part in tpl.get_headers_footers(uri):
                xml = tpl.get_part_xml(part)
                self.part_sources[str(part.partname)] = (tpl.patch_xml(xml), tpl.get_headers_footers_encoding(xml))

    def sources(self) -> Iterator[tuple[str, str]]:
        """(part name, jinja source) of every part that holds placeholders."""
        yield "word/document.xml", self.body_source
        for partname, (source, _encoding) in self.part_sources.items():
            yield partname.lstrip("/"), source

    def render(
        self,
        context: Mapping[str, object],
        *,
        images: Mapping[str, tuple[bytes, float]] = {},  # noqa: B006 (never mutated)
        identifier: str = "",
        created: datetime | None = None,
    ) -> bytes:
        """Render `context` into .docx bytes; `images` maps a variable to (PNG bytes, width in mm)."""
        tpl = _Render(self)
        ctx = dict(context)
        for key, (png, width_mm) in images.items():
            ctx[key] = InlineImage(tpl, io.BytesIO(png), width=Mm(width_mm))
        tpl.render(ctx, jinja_env=self.env, autoescape=True)
        props = tpl.docx.core_properties
        props.identifier = identifier
        if created is not None:
            props.created = props.modified = created.astimezone(UTC).replace(tzinfo=None)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()


class _Render(DocxTemplate):
    """One render of a PreparedDocx: docxtpl's own steps, minus re-reading and re-cleaning the XML."""

    def __init__(self, prepared: PreparedDocx) -> None:
        super().__init__(io.BytesIO(prepared.data))
        self._prepared = prepared

    def build_xml(self, context, jinja_env=None):
        return self.render_xml_part(self._prepared.body_source, self.docx._part, context, jinja_env)

    def build_headers_footers_xml(self, context, uri, jinja_env=None):
        for rel_key, part in self.get_headers_footers(uri):
            source, encoding = self._prepared.part_sources[str(part.partname)]
            yield rel_key, self.render_xml_part(source, part, context, jinja_env).encode(encoding)
