"""The docking HTTP tests' partner: a court-platform stand-in that our server calls back (DOCKING_PARTNERS_FILE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from settings import dev_docking_key
from standins.court_platform import CourtPlatformStandIn
from tests.support.court import ARBITRATION, COURT, SELF_ID, partners_file


@pytest.fixture
def court(io_loop: Any, http_port: int) -> Any:
    standin = CourtPlatformStandIn(COURT, dev_docking_key(COURT), SELF_ID, f"http://127.0.0.1:{http_port}")
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def institute(io_loop: Any, http_port: int) -> Any:
    standin = CourtPlatformStandIn(
        ARBITRATION, dev_docking_key(ARBITRATION), SELF_ID, f"http://127.0.0.1:{http_port}", prefix="/arbitration/"
    )
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def env_overrides(tmp_path: Path, court: Any, institute: Any, pages_env: dict[str, str]) -> dict[str, str]:
    return pages_env | {"DOCKING_PARTNERS_FILE": partners_file(tmp_path, court, institute)}
