"""Pins the docxtpl behaviour docgen/engine.py relies on, and checks renders are thread-safe."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import version

import docx
import pytest
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from docgen.context import KINDS, build_context
from docgen.engine import PreparedDocx
from docgen.qr import qr_png
from docgen.render import QR_WIDTH_MM, DocumentRenderer
from docgen.templates import template_path
from tests.support.docgen_cases import WORDS, case_for, worker_case
from tests.support.readback import all_texts

ISSUED_AT = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
URL = "https://x/verify/D1"


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_docxtpl_is_the_version_engine_py_was_checked_against():
    assert version("docxtpl") == "0.20.2", "re-check docgen/engine.py against the new docxtpl, then update this pin"


@pytest.mark.parametrize("kind", KINDS)
def test_a_prepared_render_makes_the_same_xml_as_a_bare_docxtpl_render(kind):
    path = template_path(kind)
    context = build_context(
        kind, case_for(kind, worker_case()), words=WORDS, document_id="D1", verify_url=URL, issued_at=ISSUED_AT
    )
    png = qr_png(URL)

    bare = DocxTemplate(str(path))
    bare.render({**context, "qr": InlineImage(bare, io.BytesIO(png), width=Mm(QR_WIDTH_MM))}, autoescape=True)
    out = io.BytesIO()
    bare.save(out)

    prepared = PreparedDocx(path.read_bytes(), str(path))
    ours = prepared.render(context, images={"qr": (png, QR_WIDTH_MM)})

    theirs, mine = parts(out.getvalue()), parts(ours)
    assert sorted(theirs) == sorted(mine)
    for name in theirs:
        if name != "docProps/core.xml":  # dates differ
            assert mine[name] == theirs[name], name


def test_each_part_is_compiled_once_however_many_renders():
    path = template_path("agreement")
    prepared = PreparedDocx(path.read_bytes(), str(path))
    context = build_context(
        "agreement", worker_case(), words=WORDS, document_id="D1", verify_url=URL, issued_at=ISSUED_AT
    )
    prepared.render(context)
    first = prepared.env.compilations
    assert first >= 2  # the body and the footer went through from_string: docxtpl still uses jinja_env
    for _ in range(3):
        prepared.render(context)
    assert prepared.env.compilations == first


def test_renders_in_threads_do_not_mix():
    renderer = DocumentRenderer(WORDS)

    def one(i: int) -> tuple[int, list[str]]:
        kind = KINDS[i % len(KINDS)]
        case = case_for(kind, worker_case())
        case["applicant"]["name"] = f"线程{i}号"
        result = renderer.render(
            kind, case, document_id=f"D{i}", verify_url=f"https://x/verify/D{i}", issued_at=ISSUED_AT
        )
        doc = docx.Document(io.BytesIO(result.data))
        return i, all_texts(doc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(32)))
    for i, texts in results:
        joined = "\n".join(texts)
        assert f"线程{i}号" in joined and f"D{i}\n" in joined
        others = [j for j in range(32) if j != i and f"线程{j}号" in joined]
        assert others == []
