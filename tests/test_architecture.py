"""The shape of the house: no import circles, no import running back up the layers, services free of tornado.

Read from the code's own import statements (ast), for every module of the project but the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.modules import ROOT, imports_in, imports_of, module_name, project_modules

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
    ("services.court", "services.stats", "services.library", "services.privacy"),
    ("handlers", "standins"),
    ("app",),
    ("manage", "bench", "scripts"),
]


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
        for target, line in imports_of(path, module_name(path)):
            assert not target.startswith("tornado"), f"{path.relative_to(ROOT)}:{line} imports {target}"


def house_breaches_of_the_tests(files: dict[str, str]) -> list[str]:
    """Where the tests' own house is broken, for {path under the root: source} of the tests' modules.

    Helpers live in tests/support/; a module under tests/ imports from tests/ only tests.support (never a test
    module, never a conftest, whose fixtures pytest gives by name); a conftest.py holds fixtures and hooks only.
    """
    breaches = []
    for path, source in sorted(files.items()):
        parts = Path(path).parts
        name = ".".join(Path(path).with_suffix("").parts).removesuffix(".__init__")
        in_support = len(parts) > 2 and parts[1] == "support"
        if not in_support and not parts[-1].startswith("test_") and parts[-1] not in ("conftest.py", "__init__.py"):
            breaches.append(f"{path}: a helper module outside tests/support/")
        for target, line in imports_in(source, name, parts[-1] == "__init__.py"):
            if target.split(".")[0] == "tests" and target != "tests" and not target.startswith("tests.support"):
                breaches.append(f"{path}:{line} imports {target}")
        if parts[-1] == "conftest.py":
            for node in ast.parse(source).body:
                if isinstance(node, ast.ClassDef) or (
                    isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and not node.name.startswith("pytest_")
                    and not any("fixture" in ast.unparse(d) for d in node.decorator_list)
                ):
                    breaches.append(f"{path}:{node.lineno} {node.name} is neither a fixture nor a hook")
    return breaches


def test_tests_import_helpers_from_tests_support_only():
    files = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py")}
    assert house_breaches_of_the_tests(files) == []


def test_the_tests_house_check_finds_each_breach():
    fixture = "import pytest\n\n@pytest.fixture\ndef clock():\n    return 1\n"
    files = {
        "tests/handlers/test_a.py": "from tests.handlers.test_b import helper\nfrom tests.support.app import Api\n",
        "tests/handlers/test_b.py": "def helper():\n    pass\n",
        "tests/handlers/test_c.py": "from tests.services.cases import conftest\nfrom . import test_b\n",
        "tests/handlers/helpers.py": "X = 1\n",
        "tests/handlers/conftest.py": fixture + "\ndef make():\n    pass\n\nclass Clock:\n    pass\n",
        "tests/support/h5.py": "from tests.handlers import test_b\n",
        "tests/conftest.py": fixture + "\ndef pytest_configure(config):\n    pass\n",
    }
    assert house_breaches_of_the_tests(files) == [
        "tests/handlers/conftest.py:7 make is neither a fixture nor a hook",
        "tests/handlers/conftest.py:10 Clock is neither a fixture nor a hook",
        "tests/handlers/helpers.py: a helper module outside tests/support/",
        "tests/handlers/test_a.py:1 imports tests.handlers.test_b.helper",
        "tests/handlers/test_a.py:1 imports tests.handlers.test_b",
        "tests/handlers/test_c.py:1 imports tests.services.cases.conftest",
        "tests/handlers/test_c.py:1 imports tests.services.cases",
        "tests/handlers/test_c.py:2 imports tests.handlers.test_b",
        "tests/handlers/test_c.py:2 imports tests.handlers",
        "tests/support/h5.py:1 imports tests.handlers.test_b",
        "tests/support/h5.py:1 imports tests.handlers",
    ]
