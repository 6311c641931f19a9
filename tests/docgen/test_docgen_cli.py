"""`python -m docgen KIND CASE.json OUT.docx`, run as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import docx

from docgen.render import sm3_hex
from tests.support.docgen_cases import WORKER_NAME, centre_template, worker_case

ROOT = Path(__file__).resolve().parents[2]


def write_case(path: Path, case: dict) -> Path:
    def iso(value: object) -> str:
        assert isinstance(value, (datetime, date))
        return value.isoformat()

    path.write_text(json.dumps(case, ensure_ascii=False, default=iso), encoding="utf-8")
    return path


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "docgen", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_renders_a_case_from_json(tmp_path):
    case = write_case(tmp_path / "case.json", worker_case())
    out = tmp_path / "agreement.docx"
    done = run("agreement", case, out, "--document-id", "DOC42", "--base-url", "https://mediate.example.gov.cn/")
    assert done.returncode == 0, done.stderr
    doc = docx.Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "调解协议书" and any(WORKER_NAME in t for t in texts)
    assert "https://mediate.example.gov.cn/verify/DOC42" in doc.tables[-1].rows[0].cells[1].text
    assert done.stdout.split() == [str(out), "DOC42", "SM3", sm3_hex(out.read_bytes())]


def test_a_case_that_cannot_fill_the_document_exits_non_zero(tmp_path):
    unsettled = worker_case()
    unsettled["status"] = "mediating"
    del unsettled["outcome"]
    out = tmp_path / "out.docx"
    done = run("agreement", write_case(tmp_path / "case.json", unsettled), out)
    assert done.returncode == 1
    assert "尚未调解成功" in done.stderr and "not settled" in done.stderr
    assert not out.exists()


def test_bad_json_kind_or_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    done = run("application", bad, tmp_path / "out.docx")
    assert done.returncode == 2 and "JSON" in done.stderr and "不是有效的" in done.stderr

    done = run("contract", write_case(tmp_path / "case.json", worker_case()), tmp_path / "out.docx")
    assert done.returncode == 2
    assert "未知的文书类型" in done.stderr and "unknown document kind" in done.stderr

    done = run("application", tmp_path / "missing.json", tmp_path / "out.docx")
    assert done.returncode == 2 and "cannot read" in done.stderr

    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    done = run("application", tmp_path / "list.json", tmp_path / "out.docx")
    assert done.returncode == 2 and "object" in done.stderr
    assert not (tmp_path / "out.docx").exists()


def test_a_broken_centre_template_exits_non_zero(tmp_path):
    centre_template(tmp_path / "centre", "application", "{{ applicant.nmae }}")
    done = run(
        "application",
        write_case(tmp_path / "case.json", worker_case()),
        tmp_path / "out.docx",
        "--templates",
        tmp_path / "centre",
    )
    assert done.returncode == 3 and "applicant.nmae" in done.stderr


def test_errors_survive_pickling_between_processes():
    import pickle

    from docgen.errors import DocumentRefused, TemplateProblem, UnknownDocumentKind

    for error in (
        DocumentRefused("not_settled", "案件尚未调解成功", "not settled"),
        UnknownDocumentKind("memo", ["application"]),
        TemplateProblem("a.docx", "占位符有误", "bad placeholder", ["worker.nmae"]),
    ):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and back.code == error.code and back.message == error.message
        assert back.__dict__ == error.__dict__
