"""The project's modules and their imports, read with ast: for the architecture tests."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", "var", "miniprogram") or relative.parts[0].startswith("."):
            continue
        modules[module_name(path)] = path
    return modules


def imports_of(path: Path, name: str) -> Iterator[tuple[str, int]]:
    """(imported module of ours, line) for every import of the file, relative ones resolved."""
    return imports_in(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")


def imports_in(source: str, name: str, is_package: bool = False) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import of the source of module `name`, relative ones resolved."""
    tree = ast.parse(source)
    package = name if is_package else name.rpartition(".")[0]
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
