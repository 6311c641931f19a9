"""The shape of the house: no import circles, no import running back up the layers, services free of tornado.

Read from the code's own import statements (ast), for every module of the project but the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = (
    "settings",
    "i18n",
    "store",
    "docgen",
    "wechat",
    "platforms",
    "services",
    "handlers",
    "standins",
    "app",
    "manage",
    "bench",
    "scripts",
)

# Lowest first. A module may import its own package and anything on a lower layer, nothing else.
LAYERS: list[tuple[str, ...]] = [
    ("settings", "i18n"),  # configuration and words: the ground
    ("store", "docgen", "wechat", "platforms"),  # the database, documents, WeChat, other platforms' clients
    ("services.core",),
    ("services.directory",),
    ("services.accounts",),
    ("services.cases",),
    ("services.notify",),
    ("services.intake",),
    ("services.court", "services.stats", "services.library"),
    ("handlers", "standins"),
    ("app",),
    ("manage", "bench", "scripts"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", "var") or relative.parts[0].startswith("."):
            continue
        modules[_module_name(path)] = path
    return modules


def imports_of(path: Path, name: str) -> Iterator[tuple[str, int]]:
    """(imported module of ours, line) for every import of the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from services.cases import moves` imports a module
                yield f"{base}.{alias.name}", node.lineno
            yield base, node.lineno


def _ours(target: str, modules: dict[str, Path]) -> str | None:
    """The project module `target` names (a module, or the module a name is taken from)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def import_graph() -> dict[str, dict[str, int]]:
    modules = project_modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        for target, line in imports_of(path, name):
            if target.split(".")[0] not in OURS:
                continue
            module = _ours(target, modules)
            if module and module != name:
                edges.setdefault(module, line)
    return graph


def layer_of(module: str) -> int:
    for index, layer in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in layer):
            return index
    raise AssertionError(f"{module} is on no layer of tests/test_architecture.py: place it")


def package_of(module: str) -> str:
    for layer in LAYERS:
        for prefix in layer:
            if module == prefix or module.startswith(prefix + "."):
                return prefix
    return module


def test_every_module_is_placed_on_a_layer():
    for module in import_graph():
        if module != "services":  # the services package's face holds no code
            layer_of(module)


def test_no_import_runs_back_up_or_sideways_into_another_room():
    wrong = []
    for module, edges in import_graph().items():
        if module == "services":
            continue
        for target, line in edges.items():
            if target == "services":
                continue
            same_room = package_of(module) == package_of(target)
            if not same_room and layer_of(target) >= layer_of(module):
                wrong.append(f"{module}:{line} imports {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def find_circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in list(graph):
        if node not in index:
            visit(node)
    return circles


def test_no_circles_of_imports():
    assert find_circles(import_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert find_circles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", ["services", "docgen", "store", "i18n", "platforms"])
def test_rules_and_adapters_never_import_tornado(package):
    for path in (ROOT / package).rglob("*.py"):
        for target, line in imports_of(path, _module_name(path)):
            assert not target.startswith("tornado"), f"{path.relative_to(ROOT)}:{line} imports {target}"
