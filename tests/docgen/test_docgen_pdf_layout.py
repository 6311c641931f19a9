"""Documents that look finished, checked on the PDF LibreOffice draws (platforms/pdf.py's fonts): every kind is
rendered, then lengthened line by line so its end falls at every place on a page, and each page is read back. No
page may hold only the closing block (此致, the addressee, signatures, the verification block), the verification
block is never split, and the Chinese text is drawn in the Song and FangSong fonts the template's names map to."""

from __future__ import annotations

import asyncio
import copy
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from docgen.build_templates import CLOSING_STYLES
from docgen.context import KINDS
from docgen.sample import sample_case_for
from platforms.pdf import FONTS_CONF, PdfConverter
from tests.support.browser import require_tool
from tests.support.docgen_cases import DOCUMENT_ID, ISSUED_AT, VERIFY_URL

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Filler lines put the closing block at each place a page can end: 22 body lines a page (GB/T 9704), one line a
# step, so every line the block can start on is tried (168 PDFs in one LibreOffice run, ~20 s).
PADDINGS = range(0, 24, 1)
FILLER = "补充说明：本行为排版测试添加的正文，用来把文书的结尾推到分页处。"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _closing_texts(document: docx.document.Document) -> list[str]:
    """The closing block's texts, as the rendered .docx holds them (styles Closing*)."""
    out = []
    for p in document.element.body.iter(qn("w:p")):
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val")) in CLOSING_STYLES:
            out.append(_norm("".join(t.text or "" for t in p.iter(qn("w:t")))))
    return [t for t in out if t]


def _padded(data: bytes, lines: int) -> bytes:
    """The document with `lines` filler paragraphs after its case number (its body made longer)."""
    document = docx.Document(io.BytesIO(data))
    anchor = document.paragraphs[1]._p
    for _ in range(lines):
        filler = copy.deepcopy(anchor)
        for t in filler.iter(qn("w:t")):
            t.text = ""
        next(filler.iter(qn("w:t"))).text = FILLER
        anchor.addnext(filler)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _convert_all(folder: Path, names: list[str]) -> None:
    """One LibreOffice run for every file (a start per file would take minutes), with the server's fonts."""
    profile = folder / "profile"
    assert SOFFICE is not None  # the test required it (require_tool)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *names,
        ],
        cwd=folder,
        check=True,
        timeout=600,
        capture_output=True,
        env={"FONTCONFIG_FILE": str(FONTS_CONF)} | dict(os.environ),
    )


def test_no_page_holds_only_a_closing_block(renderer):
    require_tool(SOFFICE is not None, "LibreOffice", "apt-get install libreoffice-writer-nogui")
    closings: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="layout-") as tmp:
        folder = Path(tmp)
        names = []
        for kind in KINDS:
            rendered = renderer.render(
                kind, sample_case_for(kind), document_id=DOCUMENT_ID, verify_url=VERIFY_URL, issued_at=ISSUED_AT
            )
            closings[kind] = _closing_texts(docx.Document(io.BytesIO(rendered.data)))
            assert closings[kind], f"{kind}: no closing block found"
            for lines in PADDINGS:
                name = f"{kind}-{lines:02d}.docx"
                (folder / name).write_bytes(_padded(rendered.data, lines))
                names.append(name)
        _convert_all(folder, names)
        footer = ("文书编号：" + DOCUMENT_ID,)
        problems, pages_seen = [], 0
        for name in names:
            kind = name.rsplit("-", 1)[0]
            pages = [_norm(page.extract_text()) for page in PdfReader(folder / name.replace(".docx", ".pdf")).pages]
            pages_seen += len(pages)
            for number, text in enumerate(pages, 1):
                rest = re.sub(r"—\d+—", "", text)
                for piece in (*footer, *sorted(closings[kind], key=len, reverse=True)):
                    rest = rest.replace(piece, "")
                if not rest and number > 1:
                    problems.append(f"{name} page {number} holds only the closing block: {text[:80]}")
            # The verification block on one page: its first line and the address beside it together.
            holding = [i for i, text in enumerate(pages) if "扫描二维码或访问下列地址核验本文书真伪" in text]
            assert len(holding) == 1, (name, holding)
            assert "生成日期" in pages[holding[0]] and _norm(VERIFY_URL)[:30] in pages[holding[0]], (
                f"{name}: the verification block is split"
            )
        assert not problems, "\n".join(problems)
        assert pages_seen >= 2 * len(names) - len(KINDS) * 4  # the paddings did push the ends across pages


@pytest.mark.gen_test(timeout=120)
async def test_the_pdf_is_drawn_in_song_and_fangsong_fonts(renderer):
    """The templates name 方正小标宋 and 仿宋_GB2312; the PDF copy embeds the Song and FangSong fonts mapped to them
    (platforms/fonts.conf), not a sans-serif stand-in."""
    converter = PdfConverter()
    require_tool(converter.available, "LibreOffice", "apt-get install libreoffice-writer-nogui")
    rendered = renderer.render(
        "application",
        sample_case_for("application"),
        document_id=DOCUMENT_ID,
        verify_url=VERIFY_URL,
        issued_at=ISSUED_AT,
    )
    try:
        pdf = await converter.convert(rendered.data)
    finally:
        await asyncio.shield(converter.close())
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    names = " ".join(sorted(fonts))
    assert "FandolFang" in names, names  # the body: 仿宋_GB2312
    assert "NotoSerifCJK" in names, names  # the title: 方正小标宋简体
    # Every character is drawn: the text reads back whole, in order (no glyph taken from another font's gap).
    text = _norm("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "劳动人事争议调解申请书" in text and "申请人（签名或盖章）" in text and "证据名称" in text


def test_every_table_carries_its_column_widths_in_the_grid():
    """w:tblGrid holds the widths (LibreOffice and WPS lay tables out by it, Word by w:tcW): both agree, and the
    table is as wide as its columns, in a fixed layout."""
    for kind in KINDS:
        template = docx.Document(Path(__file__).parents[2] / "docgen" / "templates" / f"{kind}.docx")
        for table in template.element.body.iter(qn("w:tbl")):
            grid = [int(c.get(qn("w:w"))) for c in table.find(qn("w:tblGrid")).findall(qn("w:gridCol"))]
            assert all(w > 0 for w in grid) and len(set(grid)) >= 1
            width = table.find(f"{qn('w:tblPr')}/{qn('w:tblW')}")
            assert int(width.get(qn("w:w"))) == sum(grid) and width.get(qn("w:type")) == "dxa", kind
            assert table.find(f"{qn('w:tblPr')}/{qn('w:tblLayout')}").get(qn("w:type")) == "fixed"
            for row in table.findall(qn("w:tr")):
                cells = [int(tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}").get(qn("w:w"))) for tc in row.findall(qn("w:tc"))]
                assert cells == grid, (kind, cells, grid)
