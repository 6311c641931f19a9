"""One parser per input shape (issue 20, item 4): outside services/core/, no module turns text into a number, a
date or a code of digits by itself.

Input arrives as text: a form field, a query argument, a header, a JSON string. Amounts, dates, whole numbers
and quantities, serials, region and cause codes, phones and ID numbers are read from it by services/core/
(amounts.py, dates.py, numbers.py, codes.py, phones.py, idnumbers.py), so every front gives the same verdict on
the same text (tests/test_parsing_properties.py checks that it does). Read from the code itself (ast):

- `int(...)`, `float(...)`, `Decimal(...)`, `date.fromisoformat(...)`, `datetime.strptime(...)` (and the like)
  applied to text: an argument that is built from text (`x.strip()`, `str(x)`, `m.group(1)`, `s[:4]`, a
  parameter annotated `str`, a request argument, a value of a mapping named as input, `body`, `form`, `query`...,
  or a name bound to any of these in the same function).
- A regular expression for digits (`\\d` or `[0-9]`) compiled or matched with the `re` module.

Not parsing, and not reported: a literal (`Decimal("21.75")`), arithmetic and counting (`int(len(x) / 2)`,
`Decimal(months)` of an int), a value read from a stored document or a setting (`int(doc["size"])`,
`date.fromisoformat(p["due_date"])`), `int(text, 16)` (hex: keys and signatures, not a shape of ours). What is
text-shaped yet no input field is in ALLOWED, each with its reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.modules import ROOT

SCANNED = ("handlers", "services", "platforms", "wechat")
CORE = "services/core/"
CONVERTERS = {"int", "float", "Decimal"}
DATE_PARSERS = {"fromisoformat", "strptime"}  # date.fromisoformat, datetime.strptime, time.strptime
REGEX_CALLS = {"compile", "match", "fullmatch", "search", "findall", "finditer", "split", "sub", "subn"}
DIGIT_CLASSES = (r"\d", "[0-9]")
# Methods whose result is text, or a part of one.
TEXT_METHODS = {
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "lower",
    "upper",
    "casefold",
    "group",
    "groups",
    "decode",
    "partition",
    "rpartition",
    "split",
    "rsplit",
    "removeprefix",
    "removesuffix",
    "zfill",
}
# How a handler reads a request.
REQUEST_READERS = {
    "get_argument",
    "get_arguments",
    "get_query_argument",
    "get_query_arguments",
    "get_body_argument",
    "get_body_arguments",
    "get_cookie",
    "get_signed_cookie",
    "get_secure_cookie",
}
# Names the code gives what a request carries (a JSON body, a form, a query, headers, a form's rows).
INPUT_NAMES = {"body", "form", "query", "raw", "values", "headers", "arguments", "params", "row", "typed", "given"}

# (file, function, what): text parsed that is no input field of ours, each with why.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("services/cases/collective.py", "_number", "float"): "figures named inside the applicant's free text "
    "(裁员三十人, 百分之十) that flag a collective dispute for a person to look at; no field, nothing refused",
    ("services/intake/evidence.py", "reencode_image", "re"): "the pixel count in Pillow's own error message",
    ("services/intake/evidence.py", "reencode_image", "int"): "the same pixel count",
    ("services/intake/evidence.py", "<module>", "re"): "the time and offset in a photo's EXIF data: metadata "
    "inside an uploaded file, shown to the mediator as found",
    ("services/intake/evidence.py", "capture_time", "int"): "the same EXIF time",
    ("services/accounts/rosters.py", "performance", "int"): "the days in a duration counter's field name "
    "(`dur.12`), which the statistics wrote themselves",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    what: str  # "int", "Decimal", "fromisoformat", "re", ...
    text: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.function, self.what)

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.text}"


class _Scope:
    """What the names of one function (or of the module) are bound to, and which parameters are text."""

    def __init__(self, node: ast.AST | None, parent: _Scope | None = None) -> None:
        self.parent = parent
        self.bound: dict[str, list[ast.expr]] = {}
        self.text_params: set[str] = set()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if arg.annotation is not None and _is_text_annotation(arg.annotation):
                    self.text_params.add(arg.arg)
        for child in _own_nodes(node) if node is not None else ():
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    self._bind(target, child.value)
            elif isinstance(child, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and child.value is not None:
                self._bind(child.target, child.value)
            elif isinstance(child, ast.For | ast.AsyncFor | ast.comprehension):
                self._bind(child.target, child.iter)

    def _bind(self, target: ast.AST, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.bound.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Tuple | ast.List):  # a, _, b = text.partition(":"): each is a part
            for element in target.elts:
                self._bind(element, value)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value)


def _is_text_annotation(annotation: ast.expr) -> bool:
    text = ast.unparse(annotation).replace(" ", "")
    return text in ("str", "str|None", "Optional[str]", "None|str")


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body (or a module's), not those of the functions and classes inside it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield child
        yield from _own_nodes(child)


def _text_shaped(expr: ast.expr, scope: _Scope, seen: frozenset[str] = frozenset()) -> bool:
    """Whether `expr` is text a person or a program sent (or a part of it), as far as the code shows."""
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name):
            return func.id == "str"
        if isinstance(func, ast.Attribute):
            if func.attr in TEXT_METHODS or func.attr in REQUEST_READERS:
                return True
            if func.attr == "get":
                default = expr.args[1] if len(expr.args) > 1 else None
                text_default = isinstance(default, ast.Constant) and isinstance(default.value, str)
                return text_default or _input_like(func.value, scope, seen)
        return False
    if isinstance(expr, ast.Subscript):
        if isinstance(expr.slice, ast.Slice):
            return True
        return _text_shaped(expr.value, scope, seen) or _input_like(expr.value, scope, seen) or _match(expr, scope)
    if isinstance(expr, ast.Attribute):
        return _input_like(expr.value, scope, seen) or "request" in ast.unparse(expr).split(".")
    if isinstance(expr, ast.BoolOp):
        return any(_text_shaped(v, scope, seen) for v in expr.values)
    if isinstance(expr, ast.IfExp):
        return _text_shaped(expr.body, scope, seen) or _text_shaped(expr.orelse, scope, seen)
    if isinstance(expr, ast.Name):
        return _name_is_text(expr.id, scope, seen)
    return False


def _name_is_text(name: str, scope: _Scope, seen: frozenset[str]) -> bool:
    if name in seen:
        return False
    if name in INPUT_NAMES:
        return True
    current: _Scope | None = scope
    while current is not None:
        if name in current.text_params:
            return True
        if name in current.bound:
            return any(_text_shaped(value, current, seen | {name}) for value in current.bound[name])
        current = current.parent
    return False


def _input_like(expr: ast.expr, scope: _Scope, seen: frozenset[str]) -> bool:
    """A mapping or object that holds a request's values (`body`, `self.request.headers`, ...)."""
    if isinstance(expr, ast.Name):
        return expr.id in INPUT_NAMES
    if isinstance(expr, ast.Attribute):
        return "request" in ast.unparse(expr).split(".") or _input_like(expr.value, scope, seen)
    return False


def _match(expr: ast.Subscript, scope: _Scope) -> bool:
    """`found[1]` where `found` is a regular expression's match."""
    if not isinstance(expr.value, ast.Name):
        return False
    current: _Scope | None = scope
    while current is not None:
        for value in current.bound.get(expr.value.id, []):
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                if value.func.attr in ("match", "fullmatch", "search"):
                    return True
        current = current.parent
    return False


def _pattern_text(expr: ast.expr, module: _Scope) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.JoinedStr):
        return "".join(_pattern_text(v, module) for v in expr.values if isinstance(v, ast.Constant))
    if isinstance(expr, ast.Name):
        return "".join(_pattern_text(v, module) for v in module.bound.get(expr.id, []))
    return ""


def findings_in(source: str, path: str) -> list[Finding]:
    """Every place `source` parses text itself (see the module's docstring)."""
    tree = ast.parse(source)
    module = _Scope(tree)
    found: list[Finding] = []

    def visit(node: ast.AST, scope: _Scope, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                name = getattr(child, "name", function)
                visit(child, _Scope(child, scope), name)
                continue
            if isinstance(child, ast.Call):
                what = _parses(child, scope, module)
                if what:
                    found.append(Finding(path, child.lineno, function, what, ast.unparse(child)[:100]))
            visit(child, scope, function)

    visit(tree, module, "<module>")
    return found


def _parses(call: ast.Call, scope: _Scope, module: _Scope) -> str:
    """What `call` parses text with ("int", "fromisoformat", "re"), or ""."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in CONVERTERS:
        if len(call.args) == 1 and not call.keywords and _text_shaped(call.args[0], scope):
            return func.id
        return ""
    if isinstance(func, ast.Attribute) and func.attr in DATE_PARSERS:
        return func.attr if call.args and _text_shaped(call.args[0], scope) else ""
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "re"
        and func.attr in REGEX_CALLS
        and call.args
    ):
        pattern = _pattern_text(call.args[0], module)
        return "re" if any(d in pattern for d in DIGIT_CLASSES) else ""
    return ""


def project_findings(root: Path = ROOT) -> list[Finding]:
    out = []
    for room in SCANNED:
        for file in sorted((root / room).rglob("*.py")):
            path = file.relative_to(root).as_posix()
            if path.startswith(CORE):
                continue
            out.extend(findings_in(file.read_text(encoding="utf-8"), path))
    return out


def not_allowed(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if f.key not in ALLOWED]


def test_no_module_outside_core_parses_text_itself():
    wrong = not_allowed(project_findings())
    assert not wrong, (
        "text parsed outside services/core/ (use its parsers: amounts, dates, numbers, codes, phones, idnumbers; "
        "or, for what is no input field, add an entry to ALLOWED with its reason):\n" + "\n".join(wrong)
    )


def test_every_allowance_is_still_needed():
    used = {f.key for f in project_findings()}
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"entries of ALLOWED that nothing needs any more: {stale}"


PLANTED = """
import re
from datetime import date
from decimal import Decimal

SERIAL = re.compile(r"\\d{14}")


class Handler:
    def get(self):
        page = int(self.get_query_argument("page", "1"))
        wait = float(self.request.headers.get("X-Wait"))


def amount(body):
    return Decimal(body["amount"])


def day(value: str):
    return date.fromisoformat(value.strip())


def cleaned(text: str):
    raw = text.replace(",", "")
    return Decimal(raw)


def month(first: str):
    return int(first[:4])
"""

FINE = """
from decimal import Decimal

RATE = Decimal("1.5")


def total(doc, months: int):
    size = int(doc.get("size", 0))
    share = Decimal(months) / Decimal(12)
    due = date.fromisoformat(doc["due_date"])
    counts = {t: int(n) for t, n in doc["grants"].items()}
    key = int(doc["signature"][:64], 16)
    return size, share, due, counts, key
"""


@pytest.mark.parametrize(
    ("needle", "what"),
    [
        ("SERIAL = ", "re"),
        ("page = ", "int"),
        ("wait = ", "float"),
        ("Decimal(body", "Decimal"),
        ("date.fromisoformat", "fromisoformat"),
        ("Decimal(raw)", "Decimal"),
        ("int(first", "int"),
    ],
)
def test_a_planted_parser_is_found(needle, what):
    found = findings_in(PLANTED, "services/cases/planted.py")
    line = next(i for i, text in enumerate(PLANTED.splitlines(), start=1) if needle in text)
    assert (line, what) in {(f.line, f.what) for f in found}, found


def test_a_planted_module_fails_the_scan_of_a_tree(tmp_path):
    """The scan of a tree that holds one module more, services/cases/planted.py, names each of its parsers; the
    same module inside services/core/ is where parsing belongs, and is left alone."""
    (tmp_path / "services" / "cases").mkdir(parents=True)
    (tmp_path / "services" / "core").mkdir()
    (tmp_path / "services" / "cases" / "planted.py").write_text(PLANTED, encoding="utf-8")
    (tmp_path / "services" / "core" / "planted.py").write_text(PLANTED, encoding="utf-8")
    wrong = not_allowed(project_findings(tmp_path))
    assert len(wrong) == 7 and all(w.startswith("services/cases/planted.py:") for w in wrong), wrong


def test_stored_values_literals_and_arithmetic_are_not_parsing():
    assert findings_in(FINE, "services/cases/fine.py") == []
