"""The docking HTTP tests' partner: a court-platform stand-in that our server calls back (DOCKING_PARTNERS_FILE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from settings import dev_docking_key
from standins.court_platform import CourtPlatformStandIn
from tests.court import ARBITRATION, COURT

SELF_ID = "sh-labour-mediation"  # config.yaml docking.self_id


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


def partners_file(tmp_path: Path, court: Any, institute: Any) -> str:
    """The partners config.yaml names, their callbacks at the stand-ins."""
    path = tmp_path / "partners.yaml"
    path.write_text(
        yaml.safe_dump(
            [
                {
                    "id": COURT,
                    "kind": "court",
                    "name": "上海市浦东新区人民法院",
                    "court_code": "沪0115",
                    "callback_base": court.callback_base,
                    "answer_working_days": 5,
                    "mediation_days": 30,
                    "extension_cap_days": 30,
                },
                {
                    "id": ARBITRATION,
                    "kind": "arbitration",
                    "name": "上海市浦东新区劳动人事争议仲裁委员会",
                    "callback_base": institute.callback_base,
                    "extension_cap_days": None,
                },
            ],
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return str(path)


@pytest.fixture
def env_overrides(tmp_path: Path, court: Any, institute: Any, pages_env: dict[str, str]) -> dict[str, str]:
    return pages_env | {"DOCKING_PARTNERS_FILE": partners_file(tmp_path, court, institute)}
