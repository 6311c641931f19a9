"""PDFs with and without active content, written byte by byte (issue 22's fixtures): each refused kind, where the
review said it hides, and the two that must pass (a plain page, a fillable form without scripts)."""

from __future__ import annotations

import io
import zlib

CATALOG = b"/Type /Catalog /Pages 2 0 R"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"/Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
SCRIPT = b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hello'\\);) >>"


def raw_pdf(objects: list[bytes], padding: int = 0) -> bytes:
    """A PDF 1.4 of these objects (numbered from 1, the first the catalogue), with a classic cross-reference table;
    `padding` bytes of comment make it larger (scanned pages make real ones large)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if padding:
        out.write(b"%" + b"x" * padding + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _page_pdf(catalog: bytes = b"", page: bytes = b"", *more: bytes, padding: int = 0) -> bytes:
    return raw_pdf([b"<< " + CATALOG + catalog + b" >>", PAGES, b"<< " + PAGE + page + b" >>", *more], padding)


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def script_in_an_object_stream() -> bytes:
    """A PDF 1.5 whose /OpenAction is a JavaScript action stored compressed in an object stream: the words
    `/JavaScript` appear nowhere in the file's bytes, only once the stream is inflated."""
    header = b"4 0 "
    packed = zlib.compress(header + SCRIPT)
    objects = {
        1: b"<< " + CATALOG + b" /OpenAction 4 0 R >>",
        2: PAGES,
        3: b"<< " + PAGE + b" >>",
        5: _stream(packed, b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header)),
    }
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    offsets[6] = out.tell()
    rows = (
        [(0, 0, 65535)] + [(1, offsets[n], 0) for n in (1, 2, 3)] + [(2, 5, 0), (1, offsets[5], 0), (1, offsets[6], 0)]
    )
    table = b"".join(bytes([kind]) + field.to_bytes(4, "big") + index.to_bytes(2, "big") for kind, field, index in rows)
    xref = _stream(table, b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R")
    out.write(b"6 0 obj\n" + xref + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6])
    data = out.getvalue()
    assert b"JavaScript" not in data
    return data


def refused() -> dict[str, tuple[bytes, str]]:
    """Each fixture the review named, with the kind of active content it must be refused for."""
    return {
        "openaction_javascript": (_page_pdf(b" /OpenAction 4 0 R", b"", SCRIPT), "javascript"),
        "page_aa_javascript": (_page_pdf(b"", b" /AA << /O 4 0 R >>", SCRIPT), "javascript"),
        "names_javascript": (
            _page_pdf(b" /Names << /JavaScript 5 0 R >>", b"", SCRIPT, b"<< /Names [(hello) 4 0 R] >>"),
            "javascript",
        ),
        "object_stream_javascript": (script_in_an_object_stream(), "javascript"),
        "launch_link": (
            _page_pdf(
                b"",
                b" /Annots [4 0 R]",
                b"<< /Type /Annot /Subtype /Link /Rect [50 50 200 80] /A << /S /Launch /F (calc.exe) >> >>",
            ),
            "launch",
        ),
        "embedded_files": (
            _page_pdf(
                b" /Names << /EmbeddedFiles << /Names [(notes.txt) 4 0 R] >> >>",
                b"",
                b"<< /Type /Filespec /F (notes.txt) /EF << /F 5 0 R >> >>",
                _stream(b"hello", b"/Type /EmbeddedFile"),
            ),
            "embedded_files",
        ),
        "rich_media": (
            _page_pdf(
                b"",
                b" /Annots [4 0 R]",
                b"<< /Type /Annot /Subtype /RichMedia /Rect [50 50 200 200] >>",
            ),
            "rich_media",
        ),
        "acroform_xfa": (
            _page_pdf(b" /AcroForm << /Fields [] /XFA 4 0 R >>", b"", _stream(b"<xdp:xdp xmlns:xdp='x'/>")),
            "xfa",
        ),
    }


def plain(padding: int = 0, line: str = "A plain page") -> bytes:
    """One page with a line of (ASCII) text, and `padding` bytes of comment."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    text = _stream(b"BT /F1 12 Tf 72 760 Td (%s) Tj ET" % line.encode("ascii"))
    return _page_pdf(b"", b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R", font, text, padding=padding)


def fillable_form() -> bytes:
    """A page with a text field to fill in (AcroForm, a widget), and no script anywhere."""
    field = b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V () /Rect [72 700 300 720] /P 3 0 R /F 4 >>"
    return _page_pdf(b" /AcroForm << /Fields [4 0 R] /DA (/Helv 0 Tf 0 g) >>", b" /Annots [4 0 R]", field)


def unparseable() -> bytes:
    """Starts like a PDF and is none."""
    return b"%PDF-1.7\n" + b"\x00garbage " * 64
