"""The repository stands alone: nothing cites a design file that lives outside it, every `docs/` page and section the
code cites exists, the links between the README and `docs/` resolve, and the README stays short.

A person who clones the project reads `docs/` (docs/architecture.md, docs/domain.md, docs/contracts.md,
docs/operations.md); files kept elsewhere while the project was built are not theirs to read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 250
# Design notes that were never part of the repository, by the names the code once cited them with.
OUTSIDE = re.compile(r"DESIGN\.md|api\.md|traps\.md|causes\.md|\.\./shared")
# A `docs/` page cited from anywhere, with its section: docs/domain.md#clocks.
DOCS_CITE = re.compile(r"(?<![\w/.-])docs/([\w./-]+?\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# What is not the repository's own text: tools' caches, the virtualenv, the embedded engine's data, bench results.
SKIPPED = {".git", ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", "__pycache__", "node_modules"}
SKIPPED_PATHS = {"var", "bench/results"}


def text_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every text file of the repository (what `git grep` reads), as (path, text)."""
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED and (here / d).relative_to(root).as_posix() not in SKIPPED_PATHS
        )
        for name in sorted(files):
            path = here / name
            if name in SKIPPED or path.is_symlink():
                continue
            data = path.read_bytes()
            if b"\0" in data:
                continue
            try:
                yield path, data.decode("utf-8")
            except UnicodeDecodeError:
                continue


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of a markdown text's headings (fenced code skipped; a repeated heading gets -1, -2...)."""
    found: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            anchor, n = base, 0
            while anchor in found:
                n += 1
                anchor = f"{base}-{n}"
            found.add(anchor)
    return found


def outside_citations(root: Path) -> list[str]:
    """file:line of every citation of a design file outside the repository (docs/ may name them)."""
    wrong = []
    for path, text in text_files(root):
        relative = path.relative_to(root)
        if relative.parts[0] == "docs":
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                wrong.append(f"{relative}:{number}: {line.strip()}")
    return wrong


def _target_problem(root: Path, page: Path, anchor: str | None) -> str:
    if not page.is_file():
        return f"no page {page.relative_to(root) if page.is_relative_to(root) else page}"
    if anchor and anchor not in anchors(page.read_text(encoding="utf-8")):
        return f"no section #{anchor} in {page.relative_to(root)}"
    return ""


def broken_docs_citations(root: Path) -> list[str]:
    """file:line of every `docs/<page>.md#<section>` cited anywhere whose page or section does not exist."""
    broken = []
    for path, text in text_files(root):
        for number, line in enumerate(text.splitlines(), 1):
            for match in DOCS_CITE.finditer(line):
                problem = _target_problem(root, root / "docs" / match.group(1), match.group(2))
                if problem:
                    broken.append(f"{path.relative_to(root)}:{number}: {match.group(0)}: {problem}")
    return broken


def broken_markdown_links(root: Path) -> list[str]:
    """Relative links of the README and of docs/ whose file or section does not exist."""
    broken = []
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    for page in pages:
        if not page.is_file():
            continue
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for target in MARKDOWN_LINK.findall(line):
                if re.match(r"^[a-z]+:", target):  # https:, mailto:
                    continue
                file_part, _, anchor = target.partition("#")
                linked = (page.parent / file_part).resolve() if file_part else page
                if file_part and not file_part.endswith(".md"):
                    problem = "" if linked.exists() else f"no file {file_part}"
                else:
                    problem = _target_problem(root, linked, anchor or None)
                if problem:
                    broken.append(f"{page.relative_to(root)}:{number}: ({target}): {problem}")
    return broken


def test_nothing_cites_a_design_file_outside_the_repository() -> None:
    wrong = outside_citations(ROOT)
    assert not wrong, "cite docs/ (or the law itself) instead:\n" + "\n".join(wrong)


def test_every_docs_page_and_section_the_code_cites_exists() -> None:
    broken = broken_docs_citations(ROOT)
    assert not broken, "\n".join(broken)


def test_the_readme_and_docs_link_to_what_exists() -> None:
    broken = broken_markdown_links(ROOT)
    assert not broken, "\n".join(broken)


def test_the_four_pages_the_project_promises_exist() -> None:
    for name in ("architecture", "domain", "contracts", "operations"):
        assert (ROOT / "docs" / f"{name}.md").is_file(), name


def test_the_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines: move the long text to docs/"


def test_the_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ")[0]
    assert "bash scripts/serve.sh" in head and "bash scripts/test.sh" in head


def test_the_scans_find_what_they_look_for(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# Page\n\n## A section\n\n```sh\n# not a heading\n```\n")
    (tmp_path / "docs" / "other.md").write_text("[back](page.md#a-section) [gone](page.md#not-a-heading)\n")
    # Spelt in parts, so that this file itself cites nothing.
    d, outside = "docs", "DESIGN" + ".md"
    (tmp_path / "README.md").write_text(f"[page]({d}/page.md) [missing]({d}/missing.md)\n")
    (tmp_path / "code.py").write_text(
        f'"""See {outside}."""\n# {d}/page.md#a-section is there; {d}/page.md#nowhere and {d}/absent.md are not\n'
    )
    assert outside_citations(tmp_path) == [f'code.py:1: """See {outside}."""']
    broken = broken_docs_citations(tmp_path)
    assert [b.split(": ")[1] for b in broken if b.startswith("code.py")] == [f"{d}/page.md#nowhere", f"{d}/absent.md"]
    assert [b.split(": ")[1] for b in broken if b.startswith("README")] == [f"{d}/missing.md"]
    links = broken_markdown_links(tmp_path)
    assert len(links) == 2 and f"{d}/missing.md" in links[0] and "#not-a-heading" in links[1]


def test_slugs_are_githubs() -> None:
    assert slug("The mini-program API: `/api/openapi.json`") == "the-mini-program-api-apiopenapijson"
    assert slug("WeChat and wechatpy (1.8.18)") == "wechat-and-wechatpy-1818"
    assert anchors("## A\n## A\n") == {"a", "a-1"}
