"""Templates: a centre's folder replaces the defaults; bad placeholders are reported when loaded."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import docx
import jinja2
import pytest
from docxtpl import DocxTemplate

from docgen.context import KINDS, VARIABLES
from docgen.errors import TemplateProblem
from docgen.render import DocumentRenderer
from docgen.templates import DEFAULT_DIR, load_templates, template_path, unknown_placeholders
from tests.support.docgen_cases import WORDS, WORKER_NAME, centre_template, worker_case

ROOT = Path(__file__).resolve().parents[2]


def unknown(source: str) -> list[str]:
    return unknown_placeholders(jinja2.Environment().parse(source))


def test_the_defaults_load_and_use_only_declared_variables():
    templates = load_templates(WORDS)
    assert sorted(templates) == sorted(KINDS)
    for kind in KINDS:
        undeclared = DocxTemplate(str(template_path(kind))).get_undeclared_template_variables()
        assert undeclared <= set(VARIABLES), (kind, undeclared - set(VARIABLES))


def test_the_committed_templates_are_what_the_build_script_makes(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "docgen.build_templates", str(tmp_path)], cwd=ROOT, check=True, capture_output=True
    )
    for kind in KINDS:
        built = docx.Document(str(tmp_path / f"{kind}.docx"))
        shipped = docx.Document(str(DEFAULT_DIR / f"{kind}.docx"))
        assert built.element.body.xml == shipped.element.body.xml, f"rerun python -m docgen.build_templates ({kind})"
        assert (DEFAULT_DIR / f"{kind}.docx").stat().st_size < 40_000


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ worker.name }}{{ serial }}{{ agreement.terms }}", []),
        ("{{ worker.nmae }}", ["worker.nmae"]),
        ("{{ serail }}", ["serail"]),
        ('{{ worker["nmae"] }}', ["worker.nmae"]),
        ("{{ worker.name.first }}", ["worker.name.first"]),
        ("{% for e in evidence %}{{ e.purpose }}{{ e.purpse }}{{ loop.index }}{% endfor %}", ["e.purpse"]),
        ("{% for t in agreement.terms %}{{ t.amount_capital }}{% else %}{{ t }}{% endfor %}", ["t"]),
        ("{% set x = worker.name %}{{ x.anything }}{{ claim.facts|length }}{{ claim.facts.strip() }}", []),
        ("{% for row in applicant.rows %}{{ row.label }}{{ row.valeu }}{% endfor %}", ["row.valeu"]),
        ("{% macro m(a) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}", ["b"]),
        ("{{ range(3)|list }}{{ request_items[0].text }}{{ request_items[0].txt }}", ["request_items.txt"]),
    ],
)
def test_unknown_placeholders(source, expected):
    assert [name.replace(".0.", ".") for name in unknown(source)] == expected


def test_a_misspelt_placeholder_is_reported_at_load_with_the_file(tmp_path):
    path = centre_template(
        tmp_path / "centre",
        "agreement",
        "{{ applicant.nmae }}",
        "{{ serail }}",
        "{%p for term in agreement.terms %}",
        "{{ term.txt }}",
        "{%p endfor %}",
    )
    with pytest.raises(TemplateProblem) as caught:
        DocumentRenderer(WORDS, tmp_path / "centre")
    problem = caught.value
    assert problem.path == str(path)
    assert problem.unknown == ["applicant.nmae", "serail", "term.txt"]
    assert str(path) in problem.message and "applicant.nmae" in problem.message and "未知的占位符" in problem.message
    assert "unknown placeholders" in problem.message_en


def test_a_syntax_error_is_reported_at_load(tmp_path):
    centre_template(tmp_path / "centre", "application", "{{ serial ")
    with pytest.raises(TemplateProblem, match="语法"):
        load_templates(WORDS, tmp_path / "centre")


def test_a_template_that_fails_to_render_is_reported_at_load(tmp_path):
    centre_template(tmp_path / "centre", "application", "{{ claim.facts|no_such_filter }}")
    with pytest.raises(TemplateProblem, match="application.docx"):
        load_templates(WORDS, tmp_path / "centre")


def test_a_centre_template_replaces_the_default_and_others_fall_back(tmp_path):
    centre_template(tmp_path / "centre", "application", "浦东中心专用：{{ applicant.name }} 已核对")
    renderer = DocumentRenderer(WORDS, tmp_path / "centre")
    issued = datetime(2026, 11, 22, tzinfo=UTC)
    own = renderer.render("application", worker_case(), document_id="D1", verify_url="https://x/v/D1", issued_at=issued)
    texts = [p.text for p in docx.Document(io.BytesIO(own.data)).paragraphs]
    assert f"浦东中心专用：{WORKER_NAME} 已核对" in texts  # autoescape keeps & and <
    default = renderer.render(
        "agreement", worker_case(), document_id="D2", verify_url="https://x/v/D2", issued_at=issued
    )
    assert docx.Document(io.BytesIO(default.data)).paragraphs[0].text == "调解协议书"
    assert template_path("application", tmp_path / "centre") == tmp_path / "centre" / "application.docx"
    assert template_path("agreement", tmp_path / "centre") == DEFAULT_DIR / "agreement.docx"


def test_a_misnamed_file_in_the_centre_folder_is_reported(tmp_path):
    folder = tmp_path / "centre"
    centre_template(folder, "agreement")
    (folder / "agreement.docx").rename(folder / "agreemnt.docx")
    with pytest.raises(TemplateProblem, match="agreemnt.docx"):
        load_templates(WORDS, folder)


def test_a_missing_folder_or_a_file_that_is_not_a_docx_is_reported(tmp_path):
    with pytest.raises(TemplateProblem, match="不存在"):
        load_templates(WORDS, tmp_path / "nowhere")
    (tmp_path / "centre").mkdir()
    (tmp_path / "centre" / "application.docx").write_text("not a zip")
    with pytest.raises(TemplateProblem, match="无法读取"):
        load_templates(WORDS, tmp_path / "centre")
