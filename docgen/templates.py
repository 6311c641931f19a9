"""Find, load and check the templates: a centre's own folder first, the shipped defaults otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from docgen.context import KINDS, VARIABLES, build_context
from docgen.engine import PreparedDocx
from docgen.errors import TemplateProblem
from docgen.sample import sample_case_for
from docgen.words import Words

DEFAULT_DIR = Path(__file__).parent / "templates"

_ANY = object()  # a value whose shape the check does not know (loop helpers, {% set %} results)
_JINJA_GLOBALS = set(jinja2.Environment().globals)


def template_path(kind: str, override_dir: str | Path | None = None) -> Path:
    """The template file for `kind`: `<override_dir>/<kind>.docx` if present, else the default."""
    if override_dir is not None:
        own = Path(override_dir) / f"{kind}.docx"
        if own.is_file():
            return own
    return DEFAULT_DIR / f"{kind}.docx"


def load_templates(words: Words, override_dir: str | Path | None = None) -> dict[str, PreparedDocx]:
    """Load, check and compile the template of every kind; raise TemplateProblem on the first bad one.

    A .docx in `override_dir` whose name is not a kind (a misspelt file name would silently fall
    back to the default) is refused too.
    """
    if override_dir is not None:
        folder = Path(override_dir)
        if not folder.is_dir():
            raise TemplateProblem(str(folder), "模板目录不存在", "template folder does not exist")
        strays = sorted(p.name for p in folder.glob("*.docx") if p.stem not in KINDS and not p.name.startswith("~$"))
        if strays:
            raise TemplateProblem(
                str(folder),
                f"无法识别的模板文件：{'、'.join(strays)}（文件名应为 {'、'.join(KINDS)} 加 .docx）",
                f"unknown template files {', '.join(strays)} (expected {', '.join(KINDS)} .docx)",
            )
    return {kind: load_template(template_path(kind, override_dir), kind, words) for kind in KINDS}


def load_template(path: Path, kind: str, words: Words) -> PreparedDocx:
    """Read one template, check its placeholders against VARIABLES, compile it and try it once."""
    try:
        prepared = PreparedDocx(path.read_bytes(), str(path))
    except Exception as exc:  # not a .docx, unreadable, broken XML
        raise TemplateProblem(str(path), f"无法读取模板：{exc}", f"cannot read template: {exc}") from exc
    unknown: list[str] = []
    for part, source in prepared.sources():
        try:
            tree = prepared.env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(
                str(path), f"{part} 中的模板语法有误：{exc.message}", f"template syntax error in {part}: {exc.message}"
            ) from exc
        unknown += [name for name in unknown_placeholders(tree) if name not in unknown]
    if unknown:
        names = "、".join(unknown)
        raise TemplateProblem(
            str(path), f"未知的占位符：{names}", f"unknown placeholders: {', '.join(unknown)}", unknown=unknown
        )
    try:  # compile and render once now, so a broken template fails at start and not in a citizen's hands
        context = build_context(
            kind,
            sample_case_for(kind),
            words=words,
            document_id="SAMPLE",
            verify_url="https://example.invalid/verify",
            issued_at=datetime.now(UTC),
        )
        prepared.render(context)
    except Exception as exc:
        raise TemplateProblem(str(path), f"模板无法生成文书：{exc}", f"template fails to render: {exc}") from exc
    return prepared


def unknown_placeholders(tree: nodes.Template, schema: dict[str, Any] = VARIABLES) -> list[str]:
    """The placeholders of a parsed template that are not among `schema`'s variables (e.g. `worker.nmae`)."""
    unknown: list[str] = []

    def lookup(node: nodes.Node, scope: dict[str, Any]) -> Any:
        """The schema of expression `node`, noting unknown names and attributes on the way."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name not in _JINJA_GLOBALS:
                unknown.append(node.name)
            return _ANY
        if isinstance(node, nodes.Getattr):
            return member(node, node.node, node.attr, scope)
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return member(node, node.node, node.arg.value, scope)
            base = lookup(node.node, scope)
            visit(node.arg, scope)
            return base[0] if isinstance(base, list) else _ANY
        visit(node, scope)
        return _ANY

    def member(node: nodes.Node, base_node: nodes.Node, attr: str, scope: dict[str, Any]) -> Any:
        base = lookup(base_node, scope)
        if isinstance(base, dict) and attr in base:
            return base[attr]
        if base is _ANY or hasattr(type(base) if isinstance(base, (dict, list)) else str, attr):
            return _ANY  # e.g. {{ claim.facts.strip() }}, {{ evidence.count }}
        unknown.append(dotted(node))
        return _ANY

    def bind(target: nodes.Node, value: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = value
        else:  # unpacking: {% for a, b in ... %}
            for name in target.find_all(nodes.Name):
                scope[name.name] = _ANY

    def visit(node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            lookup(node, scope)
        elif isinstance(node, nodes.For):
            items = lookup(node.iter, scope)
            inner = {**scope, "loop": _ANY}
            bind(node.target, items[0] if isinstance(items, list) else _ANY, inner)
            for child in [*node.body, *([node.test] if node.test else [])]:
                visit(child, inner)
            for child in node.else_:
                visit(child, scope)
        elif isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            for child in node.iter_child_nodes(exclude=("target",)):
                visit(child, scope)
            bind(node.target, _ANY, scope)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = {**scope, "caller": _ANY, "varargs": _ANY, "kwargs": _ANY}
            for arg in getattr(node, "args", []):
                bind(arg, _ANY, inner)
            if isinstance(node, nodes.Macro):
                scope[node.name] = _ANY
            for child in node.iter_child_nodes(exclude=("args", "defaults")):
                visit(child, inner)
        else:
            for child in node.iter_child_nodes():
                visit(child, scope)

    visit(tree, dict(schema))
    return list(dict.fromkeys(unknown))


def dotted(node: nodes.Node) -> str:
    """`worker.name` for the expression node of {{ worker.name }} (or of {{ worker["name"] }})."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{dotted(node.node)}.{node.arg.value}"
    return "…"
