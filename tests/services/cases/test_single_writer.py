"""One module writes cases: any other module of the project that changes the `cases` collection fails here.

Read from the code (ast): outside services/cases/moves.py, the `cases` collection may only be read, and
only directly (`db["cases"].find(...)`); a write method, or the collection kept in a variable (where a
write could hide), is refused. Tests may still prepare data as they like.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.modules import ROOT, project_modules

THE_WRITER = ROOT / "services" / "cases" / "moves.py"
READS = {"find", "find_one", "count_documents", "estimated_document_count", "aggregate", "distinct", "watch"}
COLLECTION = "cases"


def _constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to the string "cases" (e.g. CASES = "cases")."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value == COLLECTION:
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _names_cases(node: ast.AST, constants: set[str]) -> bool:
    if isinstance(node, ast.Subscript):
        key = node.slice
        return (isinstance(key, ast.Constant) and key.value == COLLECTION) or (
            isinstance(key, ast.Name) and key.id in constants
        )
    if isinstance(node, ast.Attribute) and node.attr == COLLECTION:  # db.cases
        return isinstance(node.value, ast.Attribute | ast.Name) and "db" in ast.unparse(node.value)
    return False


def writes_outside_the_writer(source: str, filename: str) -> list[str]:
    """Every use of the cases collection in `source` other than a direct read."""
    tree = ast.parse(source)
    constants = _constants(tree)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not _names_cases(node, constants):
            continue
        parent = parents.get(node)
        call = parents.get(parent) if isinstance(parent, ast.Attribute) else None
        if isinstance(parent, ast.Attribute) and parent.attr in READS and isinstance(call, ast.Call):
            continue
        what = parent.attr if isinstance(parent, ast.Attribute) else type(parent).__name__
        found.append((node.lineno, f"{filename}:{node.lineno}: cases.{what}"))
    return [line for _, line in sorted(found)]


def test_only_the_case_writer_writes_cases():
    found = []
    for path in project_modules().values():
        if path != THE_WRITER:
            found += writes_outside_the_writer(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "cases written (or kept where a write could hide) outside services/cases/moves.py:\n" + "\n".join(
        found
    )


def test_the_scan_sees_writes_reads_and_hidden_handles():
    source = """
CASES = "cases"
async def f(ctx, db):
    await ctx.db["cases"].find_one({"_id": 1})
    await ctx.db[CASES].count_documents({})
    await ctx.db["cases"].update_one({"_id": 1}, {"$set": {"x": 1}})
    await db.cases.insert_one({})
    handle = ctx.db[CASES]
    await ctx.db["persons"].update_one({}, {})
"""
    found = writes_outside_the_writer(source, "x.py")
    assert found == ["x.py:6: cases.update_one", "x.py:7: cases.insert_one", "x.py:8: cases.Assign"]


def test_the_writer_itself_writes_cases():
    assert writes_outside_the_writer(Path(THE_WRITER).read_text(encoding="utf-8"), "moves.py")  # it does: found
