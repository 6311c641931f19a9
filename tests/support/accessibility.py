"""Accessibility checks in the browser tests: axe-core (through axe-playwright-python, which bundles it) on a page,
failing on any serious or critical violation. The axe-core version is pinned: a different one fails here."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe

AXE_CORE_VERSION = "4.12.1"  # bundled by axe-playwright-python==0.1.8 (requirements-dev.txt)
BLOCKING = ("serious", "critical")
_AXE = Axe()


async def violations(page: Any) -> list[str]:
    """The serious and critical violations on the page as it stands, one line each (rule, impact, where)."""
    results = await _AXE.run(page)
    version = results.response["testEngine"]["version"]
    assert version == AXE_CORE_VERSION, f"axe-core {version}, pinned {AXE_CORE_VERSION}"
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


async def assert_accessible(page: Any, where: str = "") -> None:
    found = await violations(page)
    assert not found, f"axe-core on {where or page.url}:\n" + "\n".join(found)
