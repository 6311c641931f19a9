"""The message catalogue: every word a person reads comes from it, every key the code names exists in it."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from i18n import DEFAULT_LOCALE, LOCALE_DIR, Catalogue, Msg, catalogue, msg, text
from tests.support.modules import ROOT, project_modules

CJK = re.compile(r"[\u4e00-\u9fff]")
# Where Chinese in code is no user-facing word: the API description's title and summaries (for developers).
WORDS_ALLOWED_IN = {"handlers/public/openapi.py"}
# Calls whose literal string argument is a catalogue key, and where it stands.
KEY_CALLS = {"msg": 0, "text": 0, "Msg": 0, "field_error": 2, "invalid": 2}
# Refusals whose code names their words (`error.<code>`) when no text is given: (code position, text position).
CODE_CALLS = {
    "ServiceError": (1, 2),
    "NotFound": (0, 1),
    "Conflict": (0, 1),
    "Unauthorized": (0, 1),
    "Forbidden": (0, 1),
    "DependencyDown": (0, 1),
    "field_error": (1, 2),
    "invalid": (1, 2),
}


def test_every_po_file_reads_and_no_key_is_defined_twice():
    seen: Counter[str] = Counter()
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            entries = [m for m in read_po(handle) if m.id]
        assert entries, f"{po} is empty"
        seen.update(f"{po.parent.parent.name}:{m.id}" for m in entries)
    twice = [key for key, count in seen.items() if count > 1]
    assert not twice, f"keys defined in more than one domain file: {twice}"


def test_chinese_is_complete_and_the_fallback():
    words = Catalogue({"zh_CN": {"a": "甲{n}"}, "en": {}})
    assert words.text("a", "en", {"n": 1}) == "甲1"  # a language lacking a key falls back to Chinese
    with pytest.raises(KeyError):
        words.text("missing", "zh_CN", {})
    nested = Catalogue({"zh_CN": {"outer": "请填写{label}"}})  # a Msg parameter: put into words in the same language
    assert nested.text("outer", "zh_CN", {"label": Msg("field.worker.applicant.name")}) == "请填写申请人姓名"


def _string_constants(tree: ast.Module) -> list[ast.Constant]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


@pytest.mark.parametrize("room", ["services", "handlers", "platforms", "wechat"])
def test_no_user_facing_words_are_written_in_code(room):
    found = []
    for path in sorted((ROOT / room).rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in WORDS_ALLOWED_IN:
            continue
        for node in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            if CJK.search(node.value):
                found.append(f"{relative}:{node.lineno}: {node.value[:30]!r}")
    assert not found, "words to move into the catalogue (i18n/):\n" + "\n".join(found)


def _literal(call: ast.Call, position: int, keyword: str = "") -> str | None:
    arg = call.args[position] if len(call.args) > position else None
    if isinstance(arg, ast.Constant):
        return arg.value if isinstance(arg.value, str) else None
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    return None


def _given(call: ast.Call, position: int, keyword: str) -> bool:
    return len(call.args) > position or any(kw.arg == keyword for kw in call.keywords)


def keys_named_in_code() -> dict[str, str]:
    """Every catalogue key the code names literally, with where."""
    keys = {}
    for path in project_modules().values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in KEY_CALLS and (key := _literal(node, KEY_CALLS[name], "key")) and "." in key:
                keys[key] = where
            if name in CODE_CALLS:
                code_at, text_at = CODE_CALLS[name]
                code = _literal(node, code_at, "code")
                keyword = "key" if name in ("field_error", "invalid") else "text"
                if code and not _given(node, text_at, keyword):
                    keys[f"error.{code}"] = where
    return keys


def test_every_key_the_code_names_is_in_the_chinese_catalogue():
    known = catalogue().keys(DEFAULT_LOCALE)
    missing = {key: where for key, where in keys_named_in_code().items() if key not in known}
    assert not missing, "keys missing from i18n/zh_CN: " + ", ".join(f"{k} ({w})" for k, w in sorted(missing.items()))


def test_the_scan_finds_keys():
    keys = keys_named_in_code()
    assert keys.get("error.case_closed", "").startswith("services/")  # Conflict("case_closed", ...), in two rooms
    assert "error.required.items" in keys  # invalid("items", "required", "error.required.items")


def test_words_put_into_words():
    assert text("status.accepted") == "已受理"
    assert str(msg("error.move_not_allowed", current="已受理", move="受理")) == "案件当前状态为“已受理”，不能受理"


def test_every_status_move_and_document_has_words():
    from docgen import KINDS
    from services.cases import workflow

    known = catalogue().keys()
    assert all(f"status.{s}" in known for s in workflow.STATUSES)
    assert all(f"move.{m}" in known for m in workflow.MOVES)
    assert all(f"document.{kind}.title" in known for kind in KINDS)


def test_the_catalogue_lives_beside_its_loader():
    assert Path(LOCALE_DIR, "zh_CN", "LC_MESSAGES").is_dir()


PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")


def test_every_entry_has_its_english_with_the_same_placeholders():
    """English for foreign workers (issue 16): a key without its English, or whose English drops or invents a
    parameter, fails here, so a new message cannot ship Chinese only."""
    words = catalogue()
    chinese, english = words.messages["zh_CN"], words.messages.get("en", {})
    missing = sorted(set(chinese) - set(english))
    assert not missing, f"{len(missing)} keys lack their English in i18n/en/LC_MESSAGES: {missing[:20]}"
    stray = sorted(set(english) - set(chinese))
    assert not stray, f"English entries without a Chinese source: {stray[:20]}"
    differ = [k for k in chinese if set(PLACEHOLDER.findall(chinese[k])) != set(PLACEHOLDER.findall(english[k]))]
    assert not differ, f"placeholders differ between Chinese and English: {differ[:20]}"


def test_every_english_file_mirrors_a_chinese_one():
    chinese = {p.name for p in (LOCALE_DIR / "zh_CN" / "LC_MESSAGES").glob("*.po")}
    english = {p.name for p in (LOCALE_DIR / "en" / "LC_MESSAGES").glob("*.po")}
    assert english == chinese
    assert text("status.accepted", "en") == "Accepted"


def test_the_missing_english_test_can_fail():
    words = Catalogue({"zh_CN": {"a": "甲", "b": "乙{n}"}, "en": {"a": "A", "b": "B"}})
    assert set(words.messages["zh_CN"]) - set(words.messages["en"]) == set()
    assert set(PLACEHOLDER.findall(words.messages["zh_CN"]["b"])) != set(PLACEHOLDER.findall(words.messages["en"]["b"]))


def test_every_key_a_template_names_exists():
    """Pages take their words from the catalogue through `t("key", ...)`: each key named must be there."""
    called = re.compile(r"""\bt\(\s*["']([a-z0-9_.\-]+)["']\s*[,)]""")  # a key written whole
    missing = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for key in called.findall(path.read_text(encoding="utf-8")):
            if not catalogue().has(key):
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "\n".join(missing)
